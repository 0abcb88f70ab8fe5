"""The cost of building: the first network of a kind in a fresh process, then the next.

mlp compiles a graph once per (engine, dtype, activations) in a process and copies it
onto the shared variables of later networks, so the first ``initialize()`` and the first
``train`` pay for compiling (or loading the engine's on-disk cache) and later ones do
not. Each measurement runs in a new Python process: ``python -m benchmarks.building
--architecture 64,100,10 --activation sigmoid --dtype float64`` prints one JSON line.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy

__all__ = ["measure_in_subprocess", "main"]

ROOT = Path(__file__).resolve().parent.parent
NEXT = 5  # networks measured after the first


def _train(network, X, y):
    return network.train(X, y, alpha=0.05, momentum=0.9, reg_lambda=0.0, epochs=1,
                         batch_size=32, target_cost=0.0, patience=10**9, restarts=0)


def measure(architecture, activation, dtype):
    """Seconds of the first and the next ``initialize()`` and ``train`` (one small epoch)."""
    started = time.perf_counter()
    from mlp import FeedForwardNetwork

    import_seconds = time.perf_counter() - started
    generator = numpy.random.default_rng(0)
    X = generator.standard_normal((256, architecture[0])).astype(dtype)
    y = generator.integers(0, architecture[-1], 256)
    initialize, train = [], []
    for seed in range(1 + NEXT):
        network = FeedForwardNetwork(architecture, activation=activation, random_state=seed,
                                     dtype=dtype)
        started = time.perf_counter()
        network.initialize()
        initialize.append(time.perf_counter() - started)
        started = time.perf_counter()
        _train(network, X, y)
        train.append(time.perf_counter() - started)
    return {
        "architecture": "-".join(map(str, architecture)), "activation": activation,
        "dtype": dtype, "import_seconds": import_seconds,
        "first_initialize": initialize[0], "next_initialize": statistics.median(initialize[1:]),
        "first_train": train[0], "next_train": statistics.median(train[1:]),
        "first_train_extra": train[0] - statistics.median(train[1:]),
    }


def measure_in_subprocess(architecture, activation, dtype):
    """Run :func:`measure` in a fresh interpreter; return its dict."""
    command = [sys.executable, "-m", "benchmarks.building", "--architecture",
               ",".join(map(str, architecture)), "--activation", activation, "--dtype", dtype]
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH")]))
    # No background compilation (mlp.runtime.precompile): it would still be running in
    # the processes measured next.
    environment["MLP_PRECOMPILE"] = "0"
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=environment,
                            timeout=900, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--architecture", required=True)
    parser.add_argument("--activation", default="sigmoid")
    parser.add_argument("--dtype", default="float64")
    arguments = parser.parse_args(argv)
    architecture = [int(units) for units in arguments.architecture.split(",")]
    import warnings

    warnings.simplefilter("ignore")
    print(json.dumps(measure(architecture, arguments.activation, arguments.dtype)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
