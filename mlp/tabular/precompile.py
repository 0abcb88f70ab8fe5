"""The tabular estimators' programs, compiled ahead into mlp's disk cache with the
drop-ins' (:mod:`mlp.precompile` runs both lists, :mod:`mlp.runtime.precompile` says
when).

Each program is compiled by a one-epoch fit of the default ``TabularClassifier`` or
``TabularRegressor`` on a stand-in table of zeros, so it is exactly what a real fit of
a table in the same buckets compiles: the training program of its batch size (16, 64
or 256 rows, from the table's size) and columns, and the forward pass (blocks of 256
rows) that the held-out rows and every later prediction use.
"""

import warnings

import numpy

__all__ = ["TABULAR_SHAPES", "run", "beside_first", "start_after_compiling"]

# A table of these rows trains on batches of 256, 64 and 16 rows (its 80% of training
# rows, 3,200, 800 and 48: mlp.tabular.base._AUTO_BATCH_SIZES); its 20% held out, as any
# number of rows, takes the forward program of blocks of 256 rows (mlp.runtime.shapes).
_ROWS_PER_BATCH_SIZE = (4000, 1000, 60)
# The tabular networks' wide buckets (mlp.runtime.shapes.coarse_shapes): one classifier
# program serves 2 to 16 classes, one program each kind 1 to 64 encoded columns.
_KINDS = (("tabular_classifier", 2), ("tabular_regressor", 0))
#: ``(kind, rows, columns, classes)`` in the order they are compiled, the most common
#: first: tables of up to 64, 128 and 256 encoded columns.
TABULAR_SHAPES = tuple(
    (kind, rows, columns, classes)
    for columns in (64, 128, 256)
    for rows in _ROWS_PER_BATCH_SIZE
    for kind, classes in _KINDS
)


def run(shapes=TABULAR_SHAPES):
    """Compile (or load) the programs of the default tabular estimators for ``shapes``
    (as in :data:`TABULAR_SHAPES`) in this process. Returns how many it compiled."""
    from mlp.runtime import programs
    from mlp.tabular.classifier import TabularClassifier
    from mlp.tabular.regressor import TabularRegressor

    before = programs.counts()["compiles"]
    for kind, rows, columns, classes in shapes:
        X = numpy.zeros((rows, columns))
        if kind == "tabular_regressor":
            estimator, y = TabularRegressor, numpy.arange(rows, dtype=float)
        else:
            estimator, y = TabularClassifier, numpy.arange(rows) % classes
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = estimator(max_iter=1, random_state=0).fit(X, y)
            # The test set's rows: a fifth of the table, as the held-out rows are.
            model.predict(X[:rows // 5])
    return programs.counts()["compiles"] - before


def beside_first(columns):
    """:data:`TABULAR_SHAPES` reordered for a table of ``columns`` encoded columns, and
    how many come first: those of its bucket of columns (the other task's, every batch
    size), which a user's next tables most likely need. The background compiles them as
    soon as the fitting process leaves a CPU free; with the benchmark's back-to-back
    fits, only then are they ready in time (docs/design.md)."""
    from mlp.runtime import shapes

    with shapes.coarse_shapes():
        bucket = shapes.padded_columns(columns)
    first = [shape for shape in TABULAR_SHAPES if shape[2] == bucket]
    return first + [shape for shape in TABULAR_SHAPES if shape[2] != bucket], len(first)


# Whether this process has started the list: once per process.
_STARTED = []


def start_after_compiling(compiles_before, columns):
    """Start the background compilation of :data:`TABULAR_SHAPES` (once per process)
    when a tabular fit of ``columns`` encoded columns compiled programs:
    ``programs.counts()["compiles"]`` has grown since ``compiles_before``. A user of the
    drop-ins alone never pays for it."""
    from mlp.runtime import precompile, program_files, programs

    if programs.counts()["compiles"] > compiles_before and not _STARTED:
        _STARTED.append(columns)
        ordered, beside = beside_first(columns)
        precompile.start(program_files.folder(), programs.source_digest(), ordered,
                         programs="tabular", beside=beside)
