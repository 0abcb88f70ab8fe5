"""The seed's ``__main__``, in Python 3, against the fixed library: learn XOR.

Run ``python examples/xor.py [--seed N]``. It trains a 2-2-2 sigmoid network with
the seed's own settings (alpha=0.01, momentum=0.9, an endless epoch budget) and
prints the predictions for the four inputs, the final cross-entropy, and the
epochs and restarts used.
"""

import argparse
import time

import numpy

from mlp import FeedForwardNetwork, engine

INPUTS = numpy.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.], [0., 0.], [0., 1.], [1., 0.], [1., 1.]])
TARGETS = numpy.array([[0., 1.], [1., 0.], [1., 0.], [0., 1.], [0., 1.], [1., 0.], [1., 0.], [0., 1.]])


def main(argv=None):
    """Train on XOR and print what was learned; return the trained network."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: fresh)")
    arguments = parser.parse_args(argv)

    started = time.perf_counter()
    network = FeedForwardNetwork([2, 2, 2], random_state=arguments.seed)
    network.initialize()
    compiled = time.perf_counter()
    history = network.train(INPUTS, TARGETS, alpha=0.01, epochs=1000000000000000, momentum=0.9)
    trained = time.perf_counter()

    print(f"engine: {engine.name} {engine.version}")
    for point in INPUTS[:4]:
        probabilities = network.predict(point[numpy.newaxis, :])[0]
        print(f"predict({point.tolist()}) = [{probabilities[0]:.4f}, {probabilities[1]:.4f}]"
              f" -> class {int(probabilities.argmax())}")
    print(f"cross-entropy: {history.final_loss:.6f} (target 0.01, stopped: {history.stopped})")
    print(f"epochs: {history.epochs}, restarts: {history.restarts}, "
          f"epochs over all attempts: {sum(attempt['epochs'] for attempt in history.attempts)}")
    print(f"seconds: {compiled - started:.2f} to build and compile, {trained - compiled:.2f} to train")
    return network


if __name__ == "__main__":
    main()
