"""The benchmark tasks: data, network and hyperparameters shared by every library."""

from dataclasses import dataclass, replace
from functools import cache

import numpy

__all__ = ["Task", "Data", "tasks", "load"]


@dataclass(frozen=True)
class Task:
    """One network trained the same way in every library.

    ``batch_size`` None is the whole training set (one step per epoch).
    """

    name: str
    title: str
    dataset: str
    architecture: tuple
    activation: str  # mlp's name: "sigmoid" or "relu"
    learning_rate: float
    momentum: float
    batch_size: int | None
    epochs: int
    dtype: str
    shuffle: bool = True
    n_samples: int | None = None  # rows generated (synthetic sets only)

    @property
    def n_weights(self):
        """Entries of the weight matrices (biases not counted)."""
        sizes = self.architecture
        return sum(n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))

    def steps(self, n_train):
        batch = self.batch_size or n_train
        return self.epochs * -(-n_train // batch)


@dataclass(frozen=True)
class Data:
    X_train: numpy.ndarray
    y_train: numpy.ndarray
    X_test: numpy.ndarray
    y_test: numpy.ndarray


def tasks(quick=False):
    """The tasks, full size or ``quick`` (a few seconds in all)."""
    digits = Task("digits", "digits 64-100-10 logistic, batch 32", "digits", (64, 100, 10),
                  "sigmoid", 0.05, 0.9, 32, 100, "float64")
    large = Task("large-float32", "synthetic 100k, 256-512-512-10 relu, batch 256", "synthetic",
                 (256, 512, 512, 10), "relu", 0.05, 0.9, 256, 5, "float32", n_samples=100_000)
    xor = Task("xor", "XOR 2-2-2 logistic, full batch (one step per epoch)", "xor", (2, 2, 2),
               "sigmoid", 0.5, 0.9, None, 10_000, "float64", shuffle=False)
    full = [digits, large, replace(large, name="large-float64", dtype="float64"), xor]
    return [shrink(task) for task in full] if quick else full


def shrink(task):
    """The task at a size that runs in well under a second (same graph, same dtype)."""
    sizes = {"digits": {"epochs": 3}, "synthetic": {"epochs": 1, "n_samples": 2_000},
             "xor": {"epochs": 500}}
    return replace(task, **sizes[task.dataset])


@cache
def _float64_data(dataset, n_samples):
    from sklearn.datasets import load_digits, make_classification
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    if dataset == "xor":
        X = numpy.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
        y = numpy.array([0, 1, 1, 0])
        return Data(X, y, X, y)  # XOR is its own test set
    if dataset == "digits":
        X, y = load_digits(return_X_y=True)
    else:
        X, y = make_classification(n_samples=n_samples, n_features=256, n_informative=128,
                                   n_classes=10, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0,
                                                        stratify=y)
    scaler = StandardScaler().fit(X_train)
    return Data(scaler.transform(X_train), y_train, scaler.transform(X_test), y_test)


def load(task):
    """The task's data, inputs already in the task's dtype (so no library converts them)."""
    data = _float64_data(task.dataset, task.n_samples)
    return Data(data.X_train.astype(task.dtype), data.y_train.astype(numpy.int64),
                data.X_test.astype(task.dtype), data.y_test.astype(numpy.int64))
