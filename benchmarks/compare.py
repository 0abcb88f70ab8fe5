"""Side-by-side speed benchmark: mlp, mlp.MLPClassifier, scikit-learn and PyTorch eager.

Every library trains the same network on the same data with the same hyperparameters;
runs are interleaved and medians reported. The first fit of each library in a fresh
process, compiling included, is measured apart (:mod:`benchmarks.first_fit`).
``python -m benchmarks [--quick]`` or ``python benchmarks/compare.py``; for figures of
the machine's real speed, run it as
``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks`` (see
:mod:`benchmarks.report`).
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import (
    building,
    first_fit,
    machine,
    memory,
    new_shapes,
    report,
    run_estimator,
    run_mlp,
    run_sklearn,
    run_torch,
)
from benchmarks.tasks import load, shrink, tasks
from benchmarks.timing import run_interleaved

HERE = Path(__file__).resolve().parent
RUNNERS = (run_mlp, run_estimator, run_sklearn, run_torch)


def _arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every task small, 1 repeat")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs (default 3, quick 1)")
    parser.add_argument("--output", default=str(HERE / "results.md"), help="Markdown table")
    parser.add_argument("--chart", default=str(HERE / "results.png"), help="PNG chart")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch")
    parser.add_argument("--tasks", default=None, help="comma-separated task names (default all)")
    parser.add_argument("--warmup", action=argparse.BooleanOptionalAction, default=None,
                        help="one untimed run per library at the quick size first "
                        "(default: on, off with --quick)")
    parser.add_argument("--first-fit", action=argparse.BooleanOptionalAction, default=None,
                        help="time each library's import and first fit in fresh processes, "
                        "cold and warm compile caches (default: on, off with --quick)")
    parser.add_argument("--first-fit-repeats", type=int, default=None,
                        help="processes per first-fit case and cache state (default 3, quick 1)")
    parser.add_argument("--new-shapes", action=argparse.BooleanOptionalAction, default=None,
                        help="first fits of 13 real tables of new shapes, mlp and scikit-learn, "
                        "empty and filled caches (default: on, off with --quick)")
    parser.add_argument("--memory", action=argparse.BooleanOptionalAction, default=None,
                        help="peak memory of a 100,000 x 256 float32 fit, mlp and scikit-learn, in "
                        "fresh processes (default: on, off with --quick)")
    arguments = parser.parse_args(argv)
    if arguments.memory is None:
        arguments.memory = not arguments.quick
    if arguments.new_shapes is None:
        arguments.new_shapes = not arguments.quick
    if arguments.repeats is None:
        arguments.repeats = 1 if arguments.quick else 3
    if arguments.warmup is None:
        arguments.warmup = not arguments.quick
    if arguments.first_fit is None:
        arguments.first_fit = not arguments.quick
    if arguments.first_fit_repeats is None:
        arguments.first_fit_repeats = 1 if arguments.quick else 3
    if arguments.repeats < 1:
        parser.error(f"--repeats must be at least 1. Received: --repeats={arguments.repeats}")
    if arguments.first_fit_repeats < 1:
        parser.error(f"--first-fit-repeats must be at least 1. "
                     f"Received: --first-fit-repeats={arguments.first_fit_repeats}")
    return arguments


def _runners(no_torch):
    runners, skipped = {}, {}
    for module in RUNNERS:
        ok, note = (False, "PyTorch skipped (--no-torch)") if module is run_torch and no_torch \
            else module.available()
        if ok:
            runners[module.NAME] = module.run
        else:
            skipped[module.NAME] = note
    if run_mlp.NAME not in runners:
        raise SystemExit(skipped[run_mlp.NAME])
    return runners, skipped


def main(argv=None):
    arguments = _arguments(argv)
    started = time.perf_counter()
    load_at_start = machine.load_average() or 0.0
    warnings.filterwarnings("ignore", message=".*could not link to a BLAS.*")
    runners, skipped = _runners(arguments.no_torch)
    chosen = tasks(arguments.quick)
    if arguments.tasks:
        names = arguments.tasks.split(",")
        chosen = [task for task in chosen if task.name in names]
    def log(line):
        print(f"[{time.perf_counter() - started:6.1f} s] {line}", flush=True)

    description = machine.describe()
    log(f"machine: {description}")
    pinned = {name: value for name, value in description["openblas_environment"].items() if value}
    if pinned:
        log(f"WARNING: {pinned} set: OpenBLAS is pinned and runs at about half speed; "
            f"measure with `{report.RUN_COMMAND}`")
    log("building costs (fresh processes)")
    seen, build_rows = set(), []
    for task in chosen:
        kind = (task.architecture, task.activation, task.dtype)
        if kind not in seen:
            seen.add(kind)
            build_rows.append(building.measure_in_subprocess(*kind))
            log(f"  {build_rows[-1]}")
    first_fit_result = None
    if arguments.first_fit:
        log("first fit in fresh processes (cold, then warm compile caches)")
        cases = None if not arguments.no_torch else [name for name in first_fit.CASES
                                                       if name != run_torch.NAME]
        first_fit_result = first_fit.measure(arguments.first_fit_repeats, cases, log=log)
    new_shapes_result = None
    if arguments.new_shapes:
        from benchmarks.tabular_data import TABLES

        log("first fits of new table shapes (fresh processes)")
        new_shapes_result = new_shapes.measure(list(TABLES), log=log)
    memory_result = None
    if arguments.memory:
        log("peak memory of a large fit (fresh processes)")
        memory_result = memory.measure(log=log)
    # The in-process timings start no background compilation (mlp.runtime.precompile),
    # which would run beside them; the fresh processes above had it as a user has.
    os.environ["MLP_PRECOMPILE"] = "0"
    results, n_train = {}, {}
    for task in chosen:
        log(f"{task.name}: {task.title}")
        data, warmup = load(task), shrink(task)
        n_train[task.name] = len(data.X_train)
        warmup_data = load(warmup) if arguments.warmup else None
        results[task.name] = run_interleaved(runners, task, data, warmup, warmup_data,
                                             arguments.repeats, log=log)
    log("GEMM peak (NumPy and XLA)")
    gemm = machine.gemm_tables(min_seconds=0.05 if arguments.quick else 0.3)
    info = {"machine": description, "quick": arguments.quick, "repeats": arguments.repeats,
            "skipped": skipped, "warmup": arguments.warmup, "torch_threads": run_torch.THREADS,
            "load": (load_at_start, machine.load_average() or 0.0),
            "wall_seconds": time.perf_counter() - started}
    text = report.markdown(info, chosen, n_train, results, gemm, build_rows, first_fit_result,
                           memory_result, new_shapes_result)
    Path(arguments.output).parent.mkdir(parents=True, exist_ok=True)
    Path(arguments.output).write_text(text)
    report.chart(arguments.chart, chosen, results)
    print(text)
    print(f"wrote {arguments.output} and {arguments.chart} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
