"""mlp's speed on whatever device JAX has: ``python -m benchmarks.device [--quick]``.

For a GPU machine: prints JAX's default device (and the one mlp computes on), then
trains every speed task of :mod:`benchmarks.tasks` through :mod:`benchmarks.run_mlp`,
after one untimed warm-up at the quick size (compiling stays out of the times), and
prints the seconds of each task. Only mlp runs: the other libraries of
``python -m benchmarks`` stay on the CPU.
"""

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import machine, run_mlp
from benchmarks.tasks import load, shrink, tasks

__all__ = ["default_device", "run_tasks", "main"]


def default_device():
    """``(JAX's default device, mlp's device)`` as ``"platform:device kind"`` strings;
    mlp's is None when its engine does not name one."""
    import mlp

    return machine.jax_description()["default_device"], getattr(mlp.engine, "device", None)


def run_tasks(chosen, repeats=1, warmup=True, log=print):
    """Train each task with mlp ``repeats`` times; ``{task name: median train seconds}``.

    Parameters
    ----------
    chosen : list of Task
    repeats : int
        Timed runs per task (seeds 0, 1, ...).
    warmup : bool
        One untimed run at the task's quick size first, so that compiling is not timed.
    log : callable
        Receives one line per timed run.
    """
    seconds = {}
    for task in chosen:
        data = load(task)
        if warmup:
            # At the warm-up's small size nothing converges; its warnings would only alarm.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                run_mlp.run(shrink(task), load(shrink(task)), seed=0)
        runs = [run_mlp.run(task, data, seed=seed) for seed in range(repeats)]
        seconds[task.name] = statistics.median(run.train_seconds for run in runs)
        for seed, run in enumerate(runs):
            log(f"{task.name:14s} repeat {seed + 1}: build {run.build_seconds:7.3f} s, "
                f"train {run.train_seconds:8.3f} s, accuracy {run.accuracy:.4f}, "
                f"{task.steps(len(data.X_train)) / run.train_seconds:,.0f} steps/s")
    return seconds


def main(argv=None):
    """Command line: print the device, then the seconds per task."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every task small")
    parser.add_argument("--repeats", type=int, default=1, help="timed runs per task (default 1)")
    parser.add_argument("--tasks", default=None, help="comma-separated task names (default all)")
    parser.add_argument("--no-warmup", action="store_true", help="time the first run, compiling included")
    arguments = parser.parse_args(argv)
    if arguments.repeats < 1:
        parser.error(f"--repeats must be at least 1. Received: --repeats={arguments.repeats}")
    jax_device, mlp_device = default_device()
    print(f"JAX default device: {jax_device}; mlp computes on: {mlp_device or 'unknown'}", flush=True)
    chosen = tasks(arguments.quick)
    if arguments.tasks:
        names = arguments.tasks.split(",")
        chosen = [task for task in chosen if task.name in names]
    started = time.perf_counter()
    seconds = run_tasks(chosen, arguments.repeats, not arguments.no_warmup,
                        log=lambda line: print(line, flush=True))
    print(f"\n| task | device | train s (median of {arguments.repeats}) |\n|---|---|---|")
    for name, value in seconds.items():
        print(f"| {name} | {mlp_device or jax_device} | {value:.3f} |")
    print(f"\n{time.perf_counter() - started:.0f} s in all")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
