"""Interleaved repeats (A B C, B C A, ...) and their medians."""

import statistics
import time
import warnings
from dataclasses import dataclass, field

__all__ = ["Run", "Result", "run_interleaved"]

_SETTLE_SECONDS = 1.0


@dataclass
class Run:
    """One training: seconds to build (compile) and to train, and what it reached."""

    build_seconds: float
    train_seconds: float
    accuracy: float
    epochs_run: int


@dataclass
class Result:
    """Every timed run of one library on one task."""

    library: str
    runs: list = field(default_factory=list)
    warmup: Run | None = None

    @property
    def train_seconds(self):
        return statistics.median(run.train_seconds for run in self.runs)

    @property
    def build_seconds(self):
        return statistics.median(run.build_seconds for run in self.runs)

    @property
    def accuracy(self):
        return statistics.median(run.accuracy for run in self.runs)

    @property
    def spread(self):
        times = [run.train_seconds for run in self.runs]
        return min(times), max(times)


def timed(function, *arguments, **keywords):
    """``(seconds, value)`` of one call."""
    started = time.perf_counter()
    value = function(*arguments, **keywords)
    return time.perf_counter() - started, value


def run_interleaved(runners, task, data, warmup_task, warmup_data, repeats, log=print):
    """Time every runner ``repeats`` times, interleaved, after one untimed warm-up each
    (none when ``warmup_data`` is None).

    The warm-up trains the same graph at a small size, so that compiling and JIT
    loading (measured apart by ``building.py``) stay out of the medians. Repeat ``r``
    uses seed ``r`` in every library and starts the round at runner ``r mod n``.
    """
    results = {name: Result(name) for name in runners}
    for name, runner in runners.items() if warmup_data is not None else ():
        # At the warm-up's small size no library is expected to converge; their
        # warnings saying so would only alarm the reader of the log.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results[name].warmup = runner(warmup_task, warmup_data, seed=0)
    names = list(runners)
    for repeat in range(repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            # BLAS and OpenMP worker threads of the previous library spin for a while
            # after its last call; on 2 cores they slowed the next run by up to 50%.
            time.sleep(_SETTLE_SECONDS)
            run = runners[name](task, data, seed=repeat)
            results[name].runs.append(run)
            log(f"  {task.name:14s} {name:18s} repeat {repeat + 1}: build {run.build_seconds:7.3f} s, "
                f"train {run.train_seconds:8.3f} s, accuracy {run.accuracy:.4f}")
    return results
