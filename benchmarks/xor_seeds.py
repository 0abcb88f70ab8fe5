"""XOR with default settings for 100 seeds: how many classify all four points right.

Run ``python benchmarks/xor_seeds.py [--seeds 100] [--init glorot|uniform]``.
"""

import argparse
import time
import warnings

import numpy

from mlp import FeedForwardNetwork, engine

INPUTS = numpy.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
LABELS = numpy.array([0, 1, 1, 0])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--init", default="glorot", choices=["glorot", "uniform"])
    arguments = parser.parse_args(argv)
    failures, epochs, restarts = [], [], []
    started = time.perf_counter()
    for seed in range(arguments.seeds):
        network = FeedForwardNetwork([2, 2, 2], init=arguments.init, random_state=seed)
        network.initialize()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            history = network.train(INPUTS, LABELS)
        if not (network.classify(INPUTS) == LABELS).all():
            failures.append(seed)
        epochs.append(sum(attempt["epochs"] for attempt in history.attempts))
        restarts.append(history.restarts)
    seconds = time.perf_counter() - started
    print(f"engine {engine.name}, init {arguments.init}: "
          f"{arguments.seeds - len(failures)}/{arguments.seeds} seeds classify XOR right")
    print(f"epochs over all attempts: median {numpy.median(epochs):.0f}, max {max(epochs)}; "
          f"restarts: mean {numpy.mean(restarts):.2f}, max {max(restarts)}; {seconds:.1f} s in all")
    if failures:
        print(f"failed seeds: {failures}")
    return len(failures)


if __name__ == "__main__":
    raise SystemExit(main())
