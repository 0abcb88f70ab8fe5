"""The tabular benchmark's harness on tiny settings: its tables load without a
download, its models fit, and its report ranks and scores them as it says."""

import math

import pytest

from benchmarks.tabular import run
from benchmarks.tabular_data import TABLES, load_table
from benchmarks.tabular_report import ERROR_FLOOR, markdown, summary


def test_the_report_ranks_and_scores():
    results = [
        {"table": "a", "model": "x", "seed": 0, "error": 0.10, "fit_seconds": 1.0},
        {"table": "a", "model": "y", "seed": 0, "error": 0.20, "fit_seconds": 2.0},
        {"table": "b", "model": "x", "seed": 0, "error": 0.40, "fit_seconds": 1.0},
        {"table": "b", "model": "y", "seed": 0, "error": 0.0, "fit_seconds": 2.0},
    ]
    tables, per_table, ranks, geometric, seconds = summary(results, ["x", "y", "z"])
    assert tables == ["a", "b"] and set(per_table) == {"x", "y"}
    assert ranks == {"x": 1.5, "y": 1.5}
    # b's best error 0 is floored: y's ratio there is 1, x's 0.40 / floor.
    assert geometric["x"] == pytest.approx(math.sqrt(1.0 * 0.40 / ERROR_FLOOR))
    assert geometric["y"] == pytest.approx(math.sqrt(2.0 * 1.0))
    assert seconds == {"x": 2.0, "y": 4.0}
    report = markdown(results, ["x", "y"], notes=["a note"])
    assert "| **mean rank** | 1.50 | 1.50 |" in report and "a note" in report


@pytest.mark.parametrize("name", ["wine", "diabetes"])
def test_scikit_learns_tables_load(name):
    task, X, y = load_table(name)
    assert task == TABLES[name][0] and len(X) == len(y) > 100 and not y.isna().any()


def test_a_tiny_run_fits_every_in_process_model():
    results = run(["wine"], [0], ["mlp.Tabular", "HistGradientBoosting"], max_rows=120,
                  log=lambda line: None)
    assert [row["model"] for row in results] == ["mlp.Tabular", "HistGradientBoosting"]
    for row in results:
        assert 0.0 <= row["error"] < 0.5 and row["fit_seconds"] > 0
