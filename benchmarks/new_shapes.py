"""``python -m benchmarks.new_shapes``: the first fit of each new table, as users meet it.

A user fits table after table, each of a new shape (columns after one-hot encoding,
classes, rows). For each real table of :mod:`benchmarks.tabular_data`, behind the usual
pipeline (SimpleImputer + StandardScaler + OneHotEncoder, fitted first and not timed),
the default ``mlp.MLPClassifier`` / ``MLPRegressor`` is fitted twice (the first fit of
this shape, then a second with another seed) and scikit-learn's once (in a process of
its own), on the same 80/20 training split; the seconds are the estimators' ``fit``
alone, compiling included. Two states of mlp's caches:

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
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from benchmarks.first_fit import ROOT, child_environment, folder_contents, wait_for_background_compilation

__all__ = ["measure", "report", "main"]

QUICK_TABLES = ("wine", "breast_cancer", "diabetes", "penguins_mass")
TIMEOUT_SECONDS = 1800


def _program_files(folder):
    return {path.name for path in (Path(folder) / "mlp" / "programs").glob("*.executable")}


def _fit_seconds(model, X, y):
    started = time.perf_counter()
    model.fit(X, y)
    return time.perf_counter() - started


def _training_matrix(name):
    """The table's training split (80%), through the usual pipeline's column steps."""
    from sklearn.model_selection import train_test_split

    from benchmarks.tabular_data import load_table
    from benchmarks.tabular_models import _usual_pipeline

    task, X, y = load_table(name)
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.2, random_state=0)
    matrix = _usual_pipeline(None)[0].fit(X_train).transform(X_train)
    return task == "classification", matrix, y_train


def _child(library, tables, epochs, cache_folder, warm_up):
    """Fit each table (mlp twice, or scikit-learn once) and print one JSON line per table."""
    warnings.simplefilter("ignore")
    for name in tables:
        classification, matrix, y = _training_matrix(name)
        row = {"table": name, "rows": matrix.shape[0], "columns": matrix.shape[1],
               "classes": int(len(set(y))) if classification else 0}
        if library == "sklearn":
            from sklearn.neural_network import MLPClassifier, MLPRegressor

            estimator = MLPClassifier if classification else MLPRegressor
            row["sklearn"] = _fit_seconds(estimator(random_state=0, max_iter=epochs), matrix, y)
        else:
            row.update(_mlp_fits(classification, matrix, y, epochs, cache_folder, warm_up))
            warm_up = False
        print(json.dumps(row), flush=True)


def _mlp_fits(classification, matrix, y, epochs, cache_folder, warm_up):
    import numpy

    import mlp
    from mlp.runtime import programs

    if warm_up:
        rng = numpy.random.default_rng(0)
        mlp.MLPRegressor(hidden_layer_sizes=(3,), max_iter=2).fit(rng.normal(size=(20, 2)),
                                                                   rng.normal(size=20))
    estimator = mlp.MLPClassifier if classification else mlp.MLPRegressor
    before_files, before = _program_files(cache_folder), programs.counts()
    first = _fit_seconds(estimator(random_state=0, max_iter=epochs), matrix, y)
    after = programs.counts()
    second = _fit_seconds(estimator(random_state=1, max_iter=epochs), matrix, y)
    return {"first": first, "second": second,
            "compiles": after["compiles"] - before["compiles"],
            "loaded": after["loaded"] - before["loaded"],
            "written": sorted(_program_files(cache_folder) - before_files)}


def _run_child(library, tables, epochs, cache_folder, warm_up=False, base=None):
    command = [sys.executable, "-m", "benchmarks.new_shapes", "--child", library,
               "--tables", ",".join(tables), "--epochs", str(epochs), "--cache", str(cache_folder)]
    if warm_up:
        command.append("--warm-up")
    completed = subprocess.run(command, cwd=ROOT, env=child_environment(cache_folder, base),
                               capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {completed.returncode}:\n"
                           f"{completed.stderr[-3000:]}")
    lines = [line for line in completed.stdout.splitlines() if line.startswith('{"table"')]
    return [json.loads(line) for line in lines]


def measure(tables, epochs=200, base=None, log=print):
    """Both states' results: ``{"empty": [row, ...], "filled": [row, ...], "cache": ...}``,
    a row per table (mlp's seconds, compiles and loads of the first fit, files it wrote,
    and scikit-learn's seconds).

    scikit-learn fits every table in a process of its own (mlp's JAX threads and its
    OpenBLAS threads in one process slowed its fits by up to four times). mlp's empty
    run is one process, as a user's first session: it starts mlp's background
    compilation (:mod:`mlp.runtime.precompile`, unless ``MLP_PRECOMPILE=0``), which is
    waited for before the next process. Then each table is fitted alone in a process
    with an empty folder and no background compilation, which tells the programs it
    needs; and the filled run gives each table a folder holding the programs every
    other table needs.
    """
    quiet = dict(base if base is not None else os.environ, MLP_PRECOMPILE="0")
    with tempfile.TemporaryDirectory(prefix="mlp-new-shapes-") as scratch:
        scratch = Path(scratch)
        empty = _run_child("mlp", tables, epochs, scratch / "empty", base=base)
        waited = wait_for_background_compilation(scratch / "empty")
        log(f"background compilation: {len(_program_files(scratch / 'empty'))} programs in the "
            f"folder, waited {waited:.0f} s after the run")
        sklearn = _run_child("sklearn", tables, epochs, scratch / "sklearn", base=quiet)
        for row, theirs in zip(empty, sklearn):
            row["sklearn"] = theirs["sklearn"]
            log(f"empty  {row['table']:18s} first {row['first']:.2f} s  second "
                f"{row['second']:.2f} s  scikit-learn {row['sklearn']:.2f} s  "
                f"compiles {row['compiles']} loaded {row['loaded']}")
        cache = folder_contents(scratch / "empty" / "mlp")
        needs = {}
        for name in tables:
            _run_child("mlp", [name], epochs, scratch / f"alone-{name}", base=quiet)
            needs[name] = _program_files(scratch / f"alone-{name}")
        filled = []
        for name, theirs in zip(tables, sklearn):
            folder = scratch / f"filled-{name}"
            programs = folder / "mlp" / "programs"
            programs.mkdir(parents=True)
            for other in tables:
                if other == name:
                    continue
                for file in needs[other]:
                    shutil.copy2(scratch / f"alone-{other}" / "mlp" / "programs" / file, programs)
            cached = len(_program_files(folder))
            result = _run_child("mlp", [name], epochs, folder, warm_up=True, base=quiet)[0]
            result.update(cached=cached, sklearn=theirs["sklearn"])
            log(f"filled {name:18s} first {result['first']:.2f} s  compiles {result['compiles']} "
                f"loaded {result['loaded']} ({cached} programs of other tables cached)")
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
    parser.add_argument("--child", choices=("mlp", "sklearn"), help=argparse.SUPPRESS)
    parser.add_argument("--tables", help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, default=200, help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    parser.add_argument("--warm-up", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.child:
        _child(arguments.child, arguments.tables.split(","), arguments.epochs, arguments.cache,
               arguments.warm_up)
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
