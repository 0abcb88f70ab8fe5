"""The default drop-ins' programs, compiled ahead into mlp's disk cache
(:mod:`mlp.precompile` runs this list and the tabular estimators',
:mod:`mlp.runtime.precompile` says when).

Each program is compiled by a one-epoch fit of the default ``MLPClassifier`` or
``MLPRegressor`` on a stand-in table of zeros, so it is exactly what a real fit of a
table in the same buckets (:mod:`mlp.runtime.shapes`) compiles.
"""

import warnings

import numpy

__all__ = ["DEFAULT_SHAPES", "run"]

_KINDS = (("classifier", 2), ("regressor", 0), ("classifier", 4))
# Tables of 201 to 4,095 rows train on minibatches from a matrix of 4,096 rows; smaller
# ones on full batches of their padded rows (256 for 128 to 255 rows, 128 below).
_MINIBATCH_ROWS, _FULL_BATCH_ROWS = 1000, (200, 100)
#: ``(kind, rows, columns, classes)`` in the order they are compiled, the most common
#: tables first: a classifier of two classes, a regressor and a classifier of three or
#: four classes, of 8, 16 and 32 columns; the same on full batches of 256 rows; then
#: the other buckets of columns up to 128, and full batches of 128 rows.
DEFAULT_SHAPES = (
    tuple((kind, _MINIBATCH_ROWS, columns, classes) for columns in (8, 16, 32)
          for kind, classes in _KINDS)
    + tuple((kind, _FULL_BATCH_ROWS[0], columns, classes) for columns in (8, 16, 32)
            for kind, classes in _KINDS)
    + tuple((kind, _MINIBATCH_ROWS, columns, classes)
            for columns in (24, 20, 28, 64, 40, 48, 56, 4, 80, 96, 112, 128)
            for kind, classes in _KINDS)
    + tuple((kind, _FULL_BATCH_ROWS[1], columns, classes) for columns in (8, 16, 32)
            for kind, classes in _KINDS)
)


def _stand_in(kind, rows, columns, classes):
    """A table of zeros, and its target."""
    X = numpy.zeros((rows, columns))
    if kind == "regressor":
        return X, numpy.zeros(rows)
    return X, numpy.arange(rows) % classes


def run(shapes=DEFAULT_SHAPES):
    """Compile (or load) the programs of the default estimators for ``shapes`` (as in
    :data:`DEFAULT_SHAPES`) in this process. Returns how many it compiled."""
    from mlp.runtime import programs
    from mlp.sklearn.classifier import MLPClassifier
    from mlp.sklearn.regressor import MLPRegressor

    before = programs.counts()["compiles"]
    for kind, rows, columns, classes in shapes:
        estimator = MLPClassifier if kind == "classifier" else MLPRegressor
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            estimator(max_iter=1, random_state=0).fit(*_stand_in(kind, rows, columns, classes))
    return programs.counts()["compiles"] - before
