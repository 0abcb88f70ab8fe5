"""Held-out accuracy of mlp.MLPClassifier beside scikit-learn's, same parameters and seeds.

Run ``python benchmarks/accuracy.py``: iris, breast cancer and digits (bundled with
scikit-learn), a 30% stratified test split, one hidden layer of 30 units, solvers
sgd, adam and lbfgs, the mean over seeds 0-2. Prints a Markdown table.
"""

import argparse
import time
import warnings

import numpy
from sklearn.datasets import load_breast_cancer, load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.preprocessing import StandardScaler

from mlp import MLPClassifier

DATASETS = {"iris": (load_iris, False), "breast cancer": (load_breast_cancer, True),
            "digits": (load_digits, True)}
SOLVERS = {
    "sgd": dict(solver="sgd", learning_rate_init=0.1, max_iter=500),
    "adam": dict(solver="adam", learning_rate_init=0.01, max_iter=500),
    "lbfgs": dict(solver="lbfgs", max_iter=500),
}


def split(loader, scale):
    X, y = loader(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    if scale:
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    return X_train, X_test, y_train, y_test


def mean_score(estimator_class, settings, data, seeds):
    X_train, X_test, y_train, y_test = data
    scores, seconds = [], []
    for seed in seeds:
        started = time.perf_counter()
        estimator = estimator_class((30,), random_state=seed, **settings).fit(X_train, y_train)
        seconds.append(time.perf_counter() - started)
        scores.append(estimator.score(X_test, y_test))
    return float(numpy.mean(scores)), float(numpy.median(seconds))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    arguments = parser.parse_args(argv)
    seeds = range(arguments.seeds)
    print("| data set | solver | scikit-learn | mlp | difference |")
    print("|---|---|---|---|---|")
    for name, (loader, scale) in DATASETS.items():
        data = split(loader, scale)
        for solver, settings in SOLVERS.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                theirs, _ = mean_score(SklearnMLPClassifier, settings, data, seeds)
                ours, _ = mean_score(MLPClassifier, settings, data, seeds)
            print(f"| {name} | {solver} | {theirs:.4f} | {ours:.4f} | {ours - theirs:+.4f} |")


if __name__ == "__main__":
    main()
