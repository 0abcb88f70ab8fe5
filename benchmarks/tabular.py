"""``python -m benchmarks.tabular``: mlp's tabular estimators against the usual
pipelines, HistGradientBoosting and pytabkit's RealMLP-TD on real tables that ship
inside installable packages (:mod:`benchmarks.tabular_data`), 80/20 splits, several
seeds; prints (or writes with ``--output``) the Markdown report of
:mod:`benchmarks.tabular_report`. Error is 1 - accuracy or 1 - R^2; fit seconds count
compiling.

RealMLP-TD runs in the virtual environment given by ``--pytabkit-python`` (default
``/work/venv-pytabkit/bin/python``, or ``$PYTABKIT_PYTHON``) with pytabkit installed;
without it that column is skipped with a note.

``--quick`` is one seed and at most 1,500 rows a table, for checking the harness.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import warnings
from contextlib import nullcontext
from pathlib import Path

from threadpoolctl import threadpool_limits

from benchmarks.tabular_data import TABLES
from benchmarks.tabular_models import MODELS, build_model
from benchmarks.tabular_report import markdown
from benchmarks.tabular_split import error, split
from mlp.runtime import programs

__all__ = ["run", "main"]

_ROOT = Path(__file__).resolve().parent.parent
_DEFAULT_PYTABKIT = os.environ.get("PYTABKIT_PYTHON", "/work/venv-pytabkit/bin/python")


def _fit_in_process(name, table, seed, max_rows, boosting_threads=None):
    task, X_train, X_test, y_train, y_test = split(table, seed, max_rows=max_rows)
    model = build_model(name, task, seed)
    # OpenMP's spinning threads slow boosting a hundredfold on a loaded shared machine
    # (32 s against 0.17 s with one thread on breast_cancer): its threads are limited.
    threads = (threadpool_limits(boosting_threads, user_api="openmp")
               if name == "HistGradientBoosting" and boosting_threads else nullcontext())
    before = programs.counts()
    with warnings.catch_warnings(), threads:
        warnings.simplefilter("ignore")  # the drop-ins' ConvergenceWarning at max_iter
        start = time.perf_counter()
        model.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        predicted = model.predict(X_test)
    after = programs.counts()
    # mlp's programs compiled (XLA) and loaded from its disk cache, fit and predict.
    return {"error": error(task, y_test, predicted), "fit_seconds": seconds,
            "compiles": after["compiles"] - before["compiles"],
            "loaded": after["loaded"] - before["loaded"]}


def _fit_pytabkit(python, table, seed, max_rows):
    environment = dict(os.environ, PYTHONPATH=str(_ROOT), TABULAR_MAX_ROWS=str(max_rows))
    output = subprocess.run([python, "-m", "benchmarks.tabular_pytabkit", table, str(seed)],
                            capture_output=True, text=True, env=environment, cwd=_ROOT)
    if output.returncode != 0:
        last = (output.stderr.strip().splitlines() or ["no message"])[-1]
        raise RuntimeError(f"RealMLP-TD failed on {table}, seed {seed}: {last}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def run(tables, seeds, models, max_rows=5000, pytabkit_python=None, log=print,
        boosting_threads=None):
    """One result dict per table, model and seed: ``table``, ``model``, ``seed``,
    ``error``, ``fit_seconds``."""
    results = []
    for table in tables:
        for seed in seeds:
            for name in models:
                if name == "RealMLP-TD":
                    if pytabkit_python is None:
                        continue
                    try:
                        outcome = _fit_pytabkit(pytabkit_python, table, seed, max_rows)
                    except RuntimeError as failure:
                        log(str(failure))
                        continue
                else:
                    outcome = _fit_in_process(name, table, seed, max_rows, boosting_threads)
                results.append({"table": table, "model": name, "seed": seed, **outcome})
                log(f"{table:18s} seed {seed} {name:22s} error {outcome['error']:.4f} "
                    f"fit {outcome['fit_seconds']:.2f} s")
    return results


def main(arguments=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds per table (default 3)")
    parser.add_argument("--quick", action="store_true", help="1 seed, at most 1,500 rows a table")
    parser.add_argument("--tables", nargs="*", default=list(TABLES), choices=list(TABLES))
    parser.add_argument("--models", nargs="*", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--pytabkit-python", default=_DEFAULT_PYTABKIT)
    parser.add_argument("--output", help="write the Markdown report there too")
    parser.add_argument("--boosting-threads", type=int, default=1,
                        help="OpenMP threads of HistGradientBoosting (default 1; 0: its own choice)")
    options = parser.parse_args(arguments)
    seeds = range(1 if options.quick else options.seeds)
    max_rows = 1500 if options.quick else 5000
    notes = []
    pytabkit = options.pytabkit_python
    if "RealMLP-TD" in options.models and not (pytabkit and Path(pytabkit).exists()):
        notes.append(f"RealMLP-TD skipped: no Python with pytabkit at {pytabkit!r} "
                     f"(--pytabkit-python).")
        pytabkit = None
    results = run(options.tables, seeds, options.models, max_rows, pytabkit,
                  log=lambda line: print(line, file=sys.stderr, flush=True),
                  boosting_threads=options.boosting_threads)
    for name in ("mlp.Tabular", "mlp.MLP+pipeline"):
        rows = [row for row in results if row["model"] == name]
        if rows:
            notes.append(f"{name}: {sum(row['compiles'] for row in rows)} programs compiled, "
                         f"{sum(row['loaded'] for row in rows)} loaded from mlp's disk cache "
                         f"(its folder: $MLP_CACHE_DIR or ~/.cache/mlp).")
    if options.boosting_threads:
        notes.append(f"HistGradientBoosting ran on {options.boosting_threads} OpenMP thread(s) "
                     f"(--boosting-threads).")
    notes.append(f"{len(list(seeds))} seeds, 80/20 splits, at most {max_rows} rows a table; "
                 f"error: 1 - accuracy (classification), 1 - R^2 (regression).")
    report = markdown(results, options.models, notes)
    print(report)
    if options.output:
        Path(options.output).write_text(report)
    return results


if __name__ == "__main__":
    main()
