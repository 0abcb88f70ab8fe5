"""Digits: scikit-learn's bundled 8x8 images (1797 samples, 64 features, 10 classes).

Run ``python examples/digits.py [--plot digits_loss.png] [--seed 0]``. It scales the
features, splits 80/20 with a fixed seed, trains a 64-100-10 sigmoid network with
minibatch momentum SGD and early stopping on a validation split, and prints the test
accuracy and the time per epoch; the loss curves go to a PNG.
"""

import argparse
import time

import numpy
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from mlp import FeedForwardNetwork, engine


def main(argv=None):
    """Train on digits, print the test accuracy; return (network, history, accuracy)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--plot", default="digits_loss.png", help="PNG for the loss curves ('' for none)")
    arguments = parser.parse_args(argv)

    digits = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(
        digits.data, digits.target, test_size=0.2, random_state=arguments.seed, stratify=digits.target
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

    started = time.perf_counter()
    network = FeedForwardNetwork([64, 100, 10], random_state=arguments.seed)
    network.initialize()
    built = time.perf_counter()
    history = network.train(
        X_train, y_train, alpha=0.05, momentum=0.9, reg_lambda=1e-3, epochs=arguments.epochs,
        batch_size=32, validation_fraction=0.1, patience=20, target_cost=0.0,
    )
    accuracy = float(numpy.mean(network.classify(X_test) == y_test))

    print(f"engine: {engine.name} {engine.version}")
    print(f"test accuracy: {accuracy:.4f} ({len(y_test)} images)")
    print(f"epochs: {history.epochs} (best {history.best_epoch}, stopped: {history.stopped})")
    print(f"seconds per epoch: {numpy.median(history.seconds):.4f} (median); "
          f"{built - started:.2f} s to build and compile")
    if arguments.plot:
        history.plot(arguments.plot)
        print(f"loss curves: {arguments.plot}")
    return network, history, accuracy


if __name__ == "__main__":
    main()
