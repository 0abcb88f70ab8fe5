"""The speed benchmark runs end to end (``python -m benchmarks --quick``), with and
without PyTorch, and writes a table with a row per task, positive ratios and a chart."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
TASKS = ("digits", "large-float32", "large-float64", "xor")
BUILD_ROWS = ("64-100-10 | sigmoid | float64", "256-512-512-10 | relu | float32",
              "256-512-512-10 | relu | float64", "2-2-2 | sigmoid | float64")


def _run_quick(tmp_path, block_torch=False):
    environment = dict(os.environ)
    if block_torch:
        # A module named torch that fails to import, ahead of any installed one.
        blocker = tmp_path / "blocker"
        blocker.mkdir()
        (blocker / "torch.py").write_text("raise ImportError('torch blocked by the test')\n")
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(blocker), str(ROOT),
                                                                  environment.get("PYTHONPATH")]))
    table, chart = tmp_path / "r.md", tmp_path / "r.png"
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--output", str(table), "--chart", str(chart)],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return table.read_text(), chart


def _summary_rows(text):
    """``{task: [cells]}`` and the header of the training-time table."""
    section = text.split("## Training time", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = {}
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0]] = dict(zip(header, cells))
    return header, rows


def _check_table(text, chart):
    header, rows = _summary_rows(text)
    assert set(TASKS) <= set(rows), f"missing task rows in {sorted(rows)}"
    ratio_columns = [column for column in header if column.endswith(" / mlp")]
    assert "scikit-learn / mlp" in ratio_columns
    for task in TASKS:
        for column in ratio_columns:
            assert float(rows[task][column]) > 0, (task, column, rows[task][column])
    for row in BUILD_ROWS:
        assert row in text
    assert re.search(r"\| peak \| \*\*[0-9.]+\*\* \| \*\*[0-9.]+\*\* \|", text)
    assert re.search(r"machine: .+, \d+ cores", text)
    assert chart.exists() and chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return header


@pytest.mark.slow
def test_quick_benchmark_with_pytorch(tmp_path):
    # PyTorch is optional: where it is installed, its column must be there.
    pytest.importorskip("torch")
    text, chart = _run_quick(tmp_path)
    header = _check_table(text, chart)
    assert "PyTorch eager / mlp" in header


@pytest.mark.slow
def test_quick_benchmark_skips_pytorch_when_it_cannot_be_imported(tmp_path):
    text, chart = _run_quick(tmp_path, block_torch=True)
    header = _check_table(text, chart)
    assert not any("PyTorch" in column for column in header)
    assert re.search(r"\*\*PyTorch eager skipped\*\*: PyTorch not installed", text)


def test_warnings_of_the_warm_up_are_silenced_but_not_those_of_timed_runs():
    import warnings
    from types import SimpleNamespace

    from benchmarks.timing import Run, run_interleaved

    def runner(task, data, seed):
        warnings.warn(f"did not converge at {data}", UserWarning, stacklevel=2)
        return Run(0.0, 0.0, 1.0, 1)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = run_interleaved({"a": runner}, SimpleNamespace(name="task"), "full size", None,
                                  "warm-up size", repeats=1, log=lambda line: None)
    assert results["a"].warmup is not None and len(results["a"].runs) == 1
    assert [str(warning.message) for warning in caught] == ["did not converge at full size"]


# -- memory: the peak resident memory of a fit, in fresh processes (small size here) --


def test_the_memory_data_are_float32_seeded_and_about_five_percent_dense():
    from benchmarks import memory

    X, y = memory.make_data(2_000, 64, "dense")
    again, _ = memory.make_data(2_000, 64, "dense")
    assert X.dtype.name == "float32" and X.shape == (2_000, 64) and X.flags.c_contiguous
    assert (X == again).all() and set(y) == set(range(memory.N_CLASSES))
    sparse_X, _ = memory.make_data(2_000, 64, "sparse")
    assert sparse_X.format == "csr" and sparse_X.dtype.name == "float32"
    assert sparse_X.nnz == 2_000 * 3 and sparse_X.has_sorted_indices  # round(0.05 * 64) a row
    assert (sparse_X.getnnz(axis=1) == 3).all(), "no column drawn twice in a row"


@pytest.mark.slow
def test_the_memory_benchmark_runs_each_case_in_a_fresh_process_and_reports_it():
    from benchmarks import compare, memory, report

    result = memory.measure(rows=500, features=16, formats=("dense",), log=lambda line: None)
    assert result["dense_bytes"] == 500 * 16 * 4
    cases = [(run["case"], run["format"], run["cache"]) for run in result["runs"]]
    assert cases == [("mlp.MLPClassifier", "dense", "empty"), ("mlp.MLPClassifier", "dense", "filled"),
                     ("scikit-learn", "dense", "none")]
    for run in result["runs"]:
        assert run["x_bytes"] == 500 * 16 * 4 and run["rows"] == 500
        # The kernel's resident counts lag by a few pages: equal within a megabyte.
        assert run["peak_bytes"] >= run["peak_before_bytes"] >= run["before_bytes"] - 1e6 > 0
        assert run["added_bytes"] == run["peak_bytes"] - run["before_bytes"] and run["fit_seconds"] > 0
    section = "\n".join(report.memory_section(result))
    rows = [line for line in section.splitlines() if line.startswith("| mlp.MLPClassifier | dense |")]
    assert len(rows) == 2 and "500 x 16 float32 X" in section
    assert "Not measured" in "\n".join(report.memory_section(None))
    assert compare._arguments([]).memory is True and compare._arguments(["--quick"]).memory is False


def test_the_products_floor_loop_makes_every_product_of_a_step():
    # The yardstick of benchmarks/products_floor.py: one step's eight matrix products,
    # each reaching the weights (scaled by 1e-9), as NumPy computes them.
    from mlp import engine
    if engine.jax is None:
        pytest.skip("the yardstick is a JAX loop")
    import numpy

    from benchmarks.products_floor import products_loop
    generator = numpy.random.default_rng(0)
    X = generator.normal(size=(2, 5, 4))
    weights = tuple(generator.normal(size=shape) for shape in ((6, 4), (6, 6), (3, 6)))
    first, second, third = (numpy.asarray(value) for value in products_loop(X, weights, 1)())
    inputs = X[0]
    hidden_1 = inputs @ weights[0].T
    hidden_2 = hidden_1 @ weights[1].T
    outputs = hidden_2 @ weights[2].T
    deltas_2 = outputs @ weights[2]
    deltas_1 = deltas_2 @ weights[1]
    for new, old, gradient in ((first, weights[0], deltas_1.T @ inputs),
                               (second, weights[1], deltas_2.T @ hidden_1),
                               (third, weights[2], outputs.T @ hidden_2)):
        numpy.testing.assert_allclose((old - new) / 1e-9, gradient, rtol=1e-5, atol=1e-5)
