"""``python -m benchmarks.new_shapes``: the first fit of each new table, as users meet it.

A user fits table after table, each of a new shape (columns after one-hot encoding,
classes, rows). For each real table of :mod:`benchmarks.tabular_data`, behind the usual
pipeline (SimpleImputer + StandardScaler + OneHotEncoder, fitted first and not timed),
the default ``mlp.MLPClassifier`` / ``MLPRegressor`` is fitted twice (the first fit of
this shape, then a second with another seed) and scikit-learn's once, on the same
80/20 training split; the seconds are the estimators' ``fit`` alone, compiling
included. Two states of mlp's caches:

- **empty**: one fresh process with an empty cache folder fits every table, one after
  another: a table profits only from what the tables before it compiled;
- **filled**: for each table a fresh process whose cache folder holds the programs
  that the OTHER tables need (each found by fitting that table alone, in a process of
  its own, on an empty folder): a program this table needs is there only when another
  table of another shape needs it too. The process first makes one untimed fit of a
  small network of its own, so that the table's fit does not pay for the process's
  start (JAX's backends). mlp's background compilation is off in these processes.

No run reads or writes the user's caches. ``--quick`` takes four tables and 20 epochs.
"""

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from benchmarks.first_fit import ROOT, child_environment, folder_contents

__all__ = ["measure", "report", "main"]

QUICK_TABLES = ("wine", "breast_cancer", "diabetes", "penguins_mass")
TIMEOUT_SECONDS = 1800


def _program_files(folder):
    return {path.name for path in (Path(folder) / "mlp" / "programs").glob("*.executable")}


def _fit_seconds(model, X, y):
    started = time.perf_counter()
    model.fit(X, y)
    return time.perf_counter() - started


def _child(tables, epochs, cache_folder, warm_up):
    """Fit each table (mlp twice, scikit-learn once) and print one JSON line per table."""
    warnings.simplefilter("ignore")
    import numpy
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier as SklearnClassifier
    from sklearn.neural_network import MLPRegressor as SklearnRegressor

    import mlp
    from benchmarks.tabular_data import load_table
    from benchmarks.tabular_models import _usual_pipeline
    from mlp.runtime import programs

    if warm_up:
        rng = numpy.random.default_rng(0)
        mlp.MLPRegressor(hidden_layer_sizes=(3,), max_iter=2).fit(rng.normal(size=(20, 2)),
                                                                   rng.normal(size=20))
    for name in tables:
        task, X, y = load_table(name)
        X_train, _, y_train, _ = train_test_split(X, y, test_size=0.2, random_state=0)
        columns = _usual_pipeline(None)[0].fit(X_train)
        matrix = columns.transform(X_train)
        classification = task == "classification"
        ours = mlp.MLPClassifier if classification else mlp.MLPRegressor
        theirs = SklearnClassifier if classification else SklearnRegressor
        before_files, before = _program_files(cache_folder), programs.counts()
        first = _fit_seconds(ours(random_state=0, max_iter=epochs), matrix, y_train)
        after = programs.counts()
        second = _fit_seconds(ours(random_state=1, max_iter=epochs), matrix, y_train)
        sklearn = _fit_seconds(theirs(random_state=0, max_iter=epochs), matrix, y_train)
        print(json.dumps({
            "table": name, "rows": matrix.shape[0], "columns": matrix.shape[1],
            "classes": int(len(set(y_train))) if classification else 0,
            "first": first, "second": second, "sklearn": sklearn,
            "compiles": after["compiles"] - before["compiles"],
            "loaded": after["loaded"] - before["loaded"],
            "written": sorted(_program_files(cache_folder) - before_files)}), flush=True)


def _run_child(tables, epochs, cache_folder, warm_up, base=None):
    command = [sys.executable, "-m", "benchmarks.new_shapes", "--child", ",".join(tables),
               "--epochs", str(epochs), "--cache", str(cache_folder)]
    if warm_up:
        command.append("--warm-up")
    completed = subprocess.run(command, cwd=ROOT, env=child_environment(cache_folder, base),
                               capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {completed.returncode}:\n"
                           f"{completed.stderr[-3000:]}")
    lines = [line for line in completed.stdout.splitlines() if line.startswith('{"table"')]
    return [json.loads(line) for line in lines]


def _wait_for_background(folder, log, most_seconds=600):
    """Wait until the background compilation the empty run started has ended, so that
    it takes no CPU from the later runs."""
    lock = Path(folder) / "mlp" / "programs" / "precompiling.lock"
    started = time.perf_counter()
    while lock.exists() and time.perf_counter() - started < most_seconds:
        time.sleep(1)
    log(f"background compilation: {len(_program_files(folder))} programs in the folder, "
        f"waited {time.perf_counter() - started:.0f} s")


def measure(tables, epochs=200, base=None, log=print):
    """Both states' results: ``{"empty": [row, ...], "filled": [row, ...], "cache": ...}``,
    a row per table (seconds, compiles and loads of the first fit, files it wrote).

    The empty run is one process, as a user's first session (it starts mlp's
    background compilation, :mod:`mlp.runtime.precompile`, unless ``MLP_PRECOMPILE=0``).
    Then each table is fitted alone in a process with an empty folder and no background
    compilation, which tells the programs it needs; and the filled run gives each
    table a folder holding the programs every other table needs.
    """
    quiet = dict(base if base is not None else __import__("os").environ, MLP_PRECOMPILE="0")
    with tempfile.TemporaryDirectory(prefix="mlp-new-shapes-") as scratch:
        scratch = Path(scratch)
        empty = _run_child(tables, epochs, scratch / "empty", warm_up=False, base=base)
        for row in empty:
            log(f"empty  {row['table']:18s} first {row['first']:.2f} s  second "
                f"{row['second']:.2f} s  scikit-learn {row['sklearn']:.2f} s  "
                f"compiles {row['compiles']} loaded {row['loaded']}")
        _wait_for_background(scratch / "empty", log)
        cache = folder_contents(scratch / "empty" / "mlp")
        needs = {}
        for name in tables:
            _run_child([name], epochs, scratch / f"alone-{name}", warm_up=False, base=quiet)
            needs[name] = _program_files(scratch / f"alone-{name}")
        filled = []
        for name in tables:
            folder = scratch / f"filled-{name}"
            programs = folder / "mlp" / "programs"
            programs.mkdir(parents=True)
            for other in tables:
                if other == name:
                    continue
                for file in needs[other]:
                    shutil.copy2(scratch / f"alone-{other}" / "mlp" / "programs" / file, programs)
            cached = len(_program_files(folder))
            result = _run_child([name], epochs, folder, warm_up=True, base=quiet)[0]
            result["cached"] = cached
            log(f"filled {name:18s} first {result['first']:.2f} s  scikit-learn "
                f"{result['sklearn']:.2f} s  compiles {result['compiles']} loaded "
                f"{result['loaded']} ({result['cached']} programs of other tables cached)")
            filled.append(result)
    return {"empty": empty, "filled": filled, "cache": cache, "epochs": epochs}


def _ratio(row, key):
    return row["sklearn"] / row[key]


def report(results):
    """The Markdown table of :func:`measure`'s results, with the medians of
    scikit-learn's fit seconds over mlp's."""
    lines = ["| table | rows x columns, classes | mlp first fit, empty caches | "
             "mlp first fit, other shapes cached | mlp second fit | scikit-learn |",
             "|---|---|---|---|---|---|"]
    for empty, filled in zip(results["empty"], results["filled"]):
        lines.append(
            f"| {empty['table']} | {empty['rows']} x {empty['columns']}, "
            f"{empty['classes'] or 'regression'} | {empty['first']:.2f} ({empty['compiles']} "
            f"compiled) | {filled['first']:.2f} ({filled['compiles']} compiled) | "
            f"{empty['second']:.2f} | {empty['sklearn']:.2f} |")
    medians = {
        "empty": statistics.median(_ratio(row, "first") for row in results["empty"]),
        "filled": statistics.median(_ratio(row, "first") for row in results["filled"]),
        "second": statistics.median(_ratio(row, "second") for row in results["empty"]),
    }
    lines.append(f"| **median of scikit-learn / mlp** | | **{medians['empty']:.2f}** | "
                 f"**{medians['filled']:.2f}** | **{medians['second']:.2f}** | 1 |")
    files, size = results["cache"]
    lines.append("")
    lines.append(f"Seconds of `fit`, {results['epochs']} epochs at most. The empty run (with "
                 f"its background compilation) left {files} files ({size / 2**20:.1f} MB) "
                 f"in mlp's cache folder.")
    return "\n".join(lines), medians


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.new_shapes", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="four tables, 20 epochs")
    parser.add_argument("--output", help="also write the table to this Markdown file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, default=200, help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    parser.add_argument("--warm-up", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.child:
        _child(arguments.child.split(","), arguments.epochs, arguments.cache, arguments.warm_up)
        return 0
    from benchmarks.tabular_data import TABLES

    tables = QUICK_TABLES if arguments.quick else tuple(TABLES)
    results = measure(list(tables), epochs=20 if arguments.quick else arguments.epochs)
    table, _ = report(results)
    print(table)
    if arguments.output:
        Path(arguments.output).write_text(table + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
