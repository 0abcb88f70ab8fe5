"""Each speed constant of mlp's training loop, timed both ways on this machine.

Three choices of mlp's compiled training loop depend on sizes (docs/design.md, "Choices
inside the graph" and "Weight gradients"):

- minibatch steps run two to a loop iteration when a weight matrix read by a backward
  product has at least ``mlp.runtime.loops._PAIRED_WEIGHTS`` entries;
- a weight gradient copies its deltas out first (``WeightGradient``) for batches of at
  least ``_ROWS_WORTH_A_COPY`` rows and for tiny products;
- full-batch loops run ``_FULL_BATCH_UNROLL`` steps an iteration.

For each case this times the training with the choice mlp makes and with the other
one, in fresh processes with a compile cache of their own (the cache does not key on
these constants), alternating ``A B B A ...``, and reports the median over rounds of
other / chosen: above 1, mlp's choice is the faster on this CPU.

Run with the OpenBLAS pins unset, as every published figure:
``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks.thresholds``.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, replace

from benchmarks.machine import describe
from benchmarks.tasks import Task, load
from benchmarks.timing import timed

__all__ = ["Case", "cases", "main"]


@dataclass(frozen=True)
class Case:
    """One task and one choice, with the value mlp's constants give it (``chosen``)."""

    choice: str  # "paired", "copied" or "unrolled"
    task: Task
    chosen: bool


def _task(architecture, dtype, batch_size, epochs, n_samples=8_192, activation="relu"):
    name = "-".join(map(str, architecture)) + f" {dtype}, batch {batch_size or 'all'}"
    return Task(name, name, "synthetic", architecture, activation, 0.05, 0.9, batch_size,
                epochs, dtype, n_samples=n_samples)


def cases(quick=False):
    """The cases: each choice on both sides of its threshold."""
    xor = Task("XOR 2-2-2 float64, full batch", "xor", "xor", (2, 2, 2), "sigmoid", 0.5, 0.9,
               None, 20_000, "float64", shuffle=False)
    digits = Task("digits 64-100-10 float64, batch 32", "digits", "digits", (64, 100, 10),
                  "sigmoid", 0.05, 0.9, 32, 20, "float64")
    # For the synthetic tasks the first width is the data's 256 features.
    found = [
        Case("paired", digits, False),
        Case("paired", replace(digits, name="digits 64-100-10 float32, batch 32",
                               dtype="float32"), False),
        Case("paired", _task((256, 512, 512, 10), "float32", 64, 3), True),
        Case("paired", _task((256, 512, 512, 10), "float32", 256, 6), True),
        Case("paired", _task((256, 256, 256, 10), "float64", 32, 2), False),
        Case("paired", _task((256, 256, 256, 10), "float32", 128, 4), False),
        Case("paired", _task((256, 100, 10), "float64", 32, 4), False),
        Case("paired", _task((256, 100, 10), "float32", 32, 4), False),
        Case("copied", _task((256, 512, 512, 10), "float32", 256, 6), True),
        Case("copied", _task((256, 256, 10), "float32", 64, 6), False),
        Case("copied", _task((256, 100, 10), "float32", 200, 12), False),
        Case("copied", _task((256, 16, 10), "float32", 32, 6), True),
        Case("unrolled", xor, True),
    ]
    if quick:
        found = [replace(case, task=replace(case.task, epochs=1, n_samples=1_024)
                         if case.task.dataset == "synthetic"
                         else replace(case.task, epochs=200 if case.task.dataset == "xor" else 2))
                 for case in found]
    return found


def _force(choice, on):
    """Set mlp's constant so that ``choice`` is made (``on``) or not, for any size."""
    from mlp.engine import pytensor_loader
    from mlp.runtime import loops

    if choice == "paired":
        loops._PAIRED_WEIGHTS = 0 if on else 1 << 62
    elif choice == "copied":
        pytensor_loader._copy_pays = lambda rows, units_out, units_in: on
    else:
        loops._FULL_BATCH_UNROLL = 4 if on else 1


def _child(case, on, repeats):
    """Seconds of the fastest of ``repeats`` trainings, the compile excluded."""
    _force(case.choice, on)
    from mlp import FeedForwardNetwork

    task, data = case.task, load(case.task)
    network = FeedForwardNetwork(list(task.architecture), activation=task.activation,
                                 random_state=0, dtype=task.dtype)
    network.initialize()

    def train():
        return network.train(data.X_train, data.y_train, alpha=task.learning_rate,
                             momentum=task.momentum, reg_lambda=0.0, epochs=task.epochs,
                             batch_size=task.batch_size, shuffle=task.shuffle,
                             target_cost=0.0, patience=10**9, restarts=0)

    train()  # compiles
    return min(timed(train)[0] for _ in range(repeats))


def _run_child(index, on, repeats, quick, cache):
    # No background list: it would share the two cores with the timed child, and
    # write into the temporary folder while it is being removed.
    environment = dict(os.environ, MLP_CACHE_DIR=cache, MLP_PRECOMPILE="0")
    command = [sys.executable, "-m", "benchmarks.thresholds", "--child", str(index),
               "--on", str(int(on)), "--repeats", str(repeats)] + (["--quick"] if quick else [])
    output = subprocess.run(command, env=environment, check=True, capture_output=True,
                            text=True).stdout
    return json.loads(output.strip().splitlines()[-1])["seconds"]


def measure(rounds=3, repeats=3, quick=False, only=None, log=print):
    """Rows ``(case, chosen seconds, other seconds, median other / chosen)``, for the
    cases whose name contains ``only`` (every case when None)."""
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for index, case in enumerate(cases(quick)):
            if only is not None and only not in case.task.name:
                continue
            times = {True: [], False: []}
            for round_number in range(rounds):
                order = (case.chosen, not case.chosen)
                for on in order if round_number % 2 == 0 else order[::-1]:
                    cache = os.path.join(folder, f"{index}-{int(on)}")
                    times[on].append(_run_child(index, on, repeats, quick, cache))
            ratios = [other / chosen for chosen, other in
                      zip(times[case.chosen], times[not case.chosen])]
            row = (case, statistics.median(times[case.chosen]),
                   statistics.median(times[not case.chosen]), statistics.median(ratios))
            log(f"{case.choice} {case.task.name}: other / chosen {row[3]:.3f}")
            rows.append(row)
    return rows


def _vector_extensions():
    """``"AVX-512"``, ``"AVX2"`` or ``"neither AVX2 nor AVX-512"``, from /proc/cpuinfo."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            flags = next((line.split(":", 1)[1].split() for line in cpuinfo
                          if line.startswith("flags")), [])
    except OSError:
        flags = []
    if "avx512f" in flags:
        return "AVX-512" + (", AMX" if "amx_tile" in flags else "")
    return "AVX2" if "avx2" in flags else "neither AVX2 nor AVX-512"


def markdown(rows, machine):
    """The table of ``rows``, under the CPU it was measured on."""
    lines = [f"{machine}", "",
             "| choice | task | mlp makes it | chosen s | other s | other / chosen |",
             "|---|---|---|---|---|---|"]
    for case, chosen, other, ratio in rows:
        lines.append(f"| {case.choice} | {case.task.name} | {'yes' if case.chosen else 'no'} "
                     f"| {chosen:.4f} | {other:.4f} | {ratio:.3f} |")
    return "\n".join(lines)


def main(arguments=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", help="time only the cases whose task name contains this")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--on", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args(arguments)
    if options.child is not None:
        case = cases(options.quick)[options.child]
        seconds = _child(case, bool(options.on), options.repeats)
        print(json.dumps({"seconds": seconds}))
        return
    rows = measure(options.rounds, options.repeats, options.quick, options.only)
    description = describe()
    print(markdown(rows, f"{description['cpu']} ({_vector_extensions()}), "
                         f"{description['cores']} cores, {description['engine']}"))


if __name__ == "__main__":
    main()
