"""The shapes the compiled programs are called with: a network's sizes rounded up to a
few buckets, so that a new table (a new number of columns, classes or rows) reuses a
program compiled for an earlier one instead of waiting for XLA (half a second or more
per program, docs/design.md "Shapes").

Each padding is exact, the padded entries never change a trained value:

- **input columns**: zero columns of ``X`` and zero columns of the first weights. Their
  gradient is ``delta^T 0 = 0`` and their L2 term is zero, so they stay zero under
  every update rule (Adam's moments of a zero gradient are zero, its step 0).
- **output classes** (softmax and independent sigmoid outputs, when the L2 term does
  not cover the biases): zero weight rows and a bias of :data:`MASKED_LOGIT`. The
  class's probability is exactly 0 (``exp`` underflows), so its cross-entropy and
  gradient are 0 and it keeps its bias. Regression outputs are not padded: their cost
  is a mean over the outputs.
- **rows**: rows of weight zero, which the cost ignores; a minibatch step takes its
  rows by index, so the training matrix's row count changes nothing it computes.

Sizes past the buckets' reach are kept exact (or rounded finely): there the compile
is a small share of a fit, and padding would cost time or memory at every step.
Theano's programs (one compiled function per network) are never padded. Results
differ from exact shapes only by rounding (the matrix products sum the same terms in
another blocking), and each shape is a function of the data's shape alone, so one
``random_state`` still gives one result. :func:`exact_shapes` turns the buckets off;
:func:`coarse_shapes` makes them wider (the tabular estimators' networks, where a few
more zero columns and masked classes cost a step little and a compile saved is most of
a first fit).
"""

import contextlib
import threading

import numpy

from mlp import engine

__all__ = ["MASKED_LOGIT", "padded_columns", "padded_outputs", "padded_rows", "training_rows",
           "prediction_rows", "prediction_block_rows", "exact_shapes", "coarse_shapes", "coarse", "bucketing"]

#: The bias of a padded output class: its logit is so far below any real one that its
#: probability is exactly 0 in float32 and float64, yet finite (no 0 * inf).
MASKED_LOGIT = -1e30

# Columns and classes: every power of two up to 16, then four sizes per octave (at
# most a quarter more columns); beyond the limit, exact.
_COLUMN_LIMIT = 4096
# Rows: below this many, a power of two (a full-batch step does at most twice the
# work, on a small table); a minibatch training matrix gets at least this many, as
# long as it stays under _SMALL_MATRIX_BYTES (a step does the same work whatever the
# matrix's row count). Beyond, eight sizes per octave.
_ROW_BUCKET_LIMIT = 4096
_SMALL_MATRIX_BYTES = 32 * 2**20
# The widest vector's float32 lanes (AVX-512). The matrix product's kernel takes rows in
# blocks of vector width and a last, partial block by a path that rounds differently, so
# without whole blocks a row's float32 prediction can change with its position.
_PREDICTION_ROW_MULTIPLE = 16

# Inside coarse_shapes, the forward pass runs on blocks of this many rows (the last
# padded), so that one program serves a held-out share or a test set of any size.
_COARSE_PREDICTION_ROWS = 256
# Inside coarse_shapes: columns a power of two of at least _COARSE_COLUMNS, softmax
# and sigmoid outputs of at least _COARSE_OUTPUTS, so that tables of 1 to 64 columns,
# and of 2 to 16 classes, share one program.
_COARSE_COLUMNS = 64
_COARSE_OUTPUTS = 16

_SETTING = threading.local()


def bucketing():
    """Whether sizes are rounded up to buckets here: with PyTensor (XLA), unless
    inside :func:`exact_shapes`."""
    return engine.jax is not None and not getattr(_SETTING, "exact", False)


@contextlib.contextmanager
def _switched_on(setting):
    """This thread's ``setting`` on inside the block, as it was after it."""
    before = getattr(_SETTING, setting, False)
    setattr(_SETTING, setting, True)
    try:
        yield
    finally:
        setattr(_SETTING, setting, before)


@contextlib.contextmanager
def exact_shapes():
    """Inside this block (in this thread), networks created and data padded use their
    exact sizes: each new shape compiles its own programs.

    Examples
    --------
    >>> from mlp.runtime.shapes import exact_shapes
    >>> with exact_shapes():
    ...     pass  # fit here to compare with the bucketed programs
    """
    with _switched_on("exact"):
        yield


@contextlib.contextmanager
def coarse_shapes():
    """Inside this block (in this thread), networks created and data padded round
    their columns up to a power of two of at least 64 and their classes up to one of
    at least 16 (instead of four sizes per octave): fewer programs to compile for a
    stream of new tables, at the cost of a few zero columns and masked classes in each
    step. A network keeps the sizes it was created with, so it predicts the same
    outside the block. :func:`exact_shapes` still wins inside it.

    Examples
    --------
    >>> from mlp.runtime.shapes import coarse_shapes, padded_columns
    >>> with coarse_shapes():
    ...     padded_columns(20) in (20, 64)  # 20 on Theano, which never pads
    True
    """
    with _switched_on("coarse"):
        yield


def coarse():
    """Whether this thread is inside :func:`coarse_shapes` (a tabular fit or prediction)."""
    return getattr(_SETTING, "coarse", False)


def _bucket(count, coarse_minimum):
    """``count`` rounded up to its bucket: :func:`_quarter_octaves`, or inside
    :func:`coarse_shapes` a power of two of at least ``coarse_minimum``."""
    if coarse():
        return 1 << max(count - 1, coarse_minimum - 1).bit_length()
    return _quarter_octaves(count)


def _quarter_octaves(count):
    """``count`` rounded up to a power of two up to 16, then to four sizes per octave."""
    if count <= 16:
        return 1 << max(count - 1, 0).bit_length()
    granularity = 2 ** ((count - 1).bit_length() - 3)
    return -(-count // granularity) * granularity


def padded_columns(n_features):
    """The input columns a network of ``n_features`` inputs is compiled for."""
    if not bucketing() or n_features > _COLUMN_LIMIT:
        return n_features
    return _bucket(n_features, _COARSE_COLUMNS)


def padded_outputs(n_outputs, output, regularize_bias):
    """The output units compiled for ``n_outputs`` classes or labels of ``output``
    (``"softmax"`` or ``"sigmoid"``; other outputs are exact), padded only when the
    L2 term leaves the biases alone (a masked bias would dominate it)."""
    if (not bucketing() or output not in ("softmax", "sigmoid") or regularize_bias
            or n_outputs > _COLUMN_LIMIT):
        return n_outputs
    return _bucket(n_outputs, _COARSE_OUTPUTS)


def _fine_rows(count):
    """``count`` rounded up to one of eight sizes per power of two (exact up to 16)."""
    if count <= 16:
        return count
    granularity = 2 ** ((count - 1).bit_length() - 4)
    return -(-count // granularity) * granularity


def padded_rows(count):
    """The rows of a matrix holding ``count`` rows (the training rows and at least one
    zero-weight row past them): exact up to 16 rows (XOR's 5 padded to 8 ran its steps
    1.9 times slower), a power of two below 4,096 rows, then one of eight sizes per
    power of two (at most 1/8 more rows)."""
    if bucketing() and 16 < count <= _ROW_BUCKET_LIMIT:
        return 1 << max(count - 1, 0).bit_length()
    return _fine_rows(count)


def training_rows(count, columns, dtype, minibatches):
    """The rows of the training matrix for ``count`` rows (a zero-weight row included)
    of ``columns`` columns: :func:`padded_rows`, and for ``minibatches`` steps at least
    4,096 while the matrix stays small (its size then changes no step's work)."""
    rows = padded_rows(count)
    small = _ROW_BUCKET_LIMIT * columns * numpy.dtype(dtype).itemsize <= _SMALL_MATRIX_BYTES
    if bucketing() and minibatches and small:
        return max(rows, _ROW_BUCKET_LIMIT)
    return rows


def prediction_rows(count):
    """:func:`padded_rows` of ``count`` rounded up to a whole number of vector blocks,
    so that every row's prediction is the same wherever it stands in the matrix."""
    return -(-padded_rows(count) // _PREDICTION_ROW_MULTIPLE) * _PREDICTION_ROW_MULTIPLE


def prediction_block_rows(count):
    """The rows of each forward call for ``count`` rows: all of them in one call of
    :func:`prediction_rows`, or inside :func:`coarse_shapes` blocks of 256 rows."""
    if bucketing() and coarse():
        return _COARSE_PREDICTION_ROWS
    return prediction_rows(count)
