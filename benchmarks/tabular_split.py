"""The 80/20 split of a table for one seed, and the error the benchmark reports:
1 - accuracy for classification, 1 - R^2 for regression. Shared by the benchmark and
its pytabkit child process."""

import numpy
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split

from benchmarks.tabular_data import load_table

__all__ = ["split", "error"]


def split(table, seed, max_rows=5000):
    """``(task, X_train, X_test, y_train, y_test)``, stratified for classification."""
    task, X, y = load_table(table, max_rows=max_rows)
    stratify = y if task == "classification" else None
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=seed,
                                                        stratify=stratify)
    return task, X_train, X_test, y_train, y_test


def error(task, y_true, y_predicted):
    """1 - accuracy or 1 - R^2."""
    if task == "classification":
        return float(1.0 - accuracy_score(numpy.asarray(y_true), numpy.asarray(y_predicted)))
    return float(1.0 - r2_score(numpy.asarray(y_true, dtype=float), numpy.asarray(y_predicted, dtype=float)))
