"""The training matrix: one copy of the caller's rows, in the network's dtype, padded.

The compiled programs take the training rows padded with zero rows to one of a few
row counts (:func:`padded_rows`), so that data sets of nearby sizes share programs.
:func:`padded_matrix` builds that padded array straight from the caller's ``X``
(dense or sparse, every row or a chosen subset, any float dtype), block by block:
the padded array is the one copy of ``X`` that training holds, densifying, converting
and selecting the rows of a split never make a second whole one. Its maker hands it,
with its row count, to ``NetworkBackend.set_data``, which uses it as it is.

The padded arrays are NumPy memory whose first byte is 64-byte aligned
(:func:`aligned_empty`): JAX on the CPU uses such memory as a device array without
copying it (and copies a less aligned buffer).

Before allocating, :func:`mlp.runtime.memory.check_fits_in_memory` refuses a matrix
that would take more than half of the memory available, naming the size, instead of
letting the system swap or kill the process.
"""

import numpy
from scipy import sparse

from mlp.runtime.memory import check_fits_in_memory
from mlp.runtime.shapes import padded_columns, padded_rows, prediction_rows, training_rows
from mlp.validation import check_range

__all__ = ["padded_rows", "prediction_rows", "aligned_empty", "padded", "padded_matrix"]

# Bytes converted at a time (of float64): small beside any matrix worth the trouble,
# large enough that the loop costs nothing beside the copy.
_BLOCK_BYTES = 1 << 20
# JAX on the CPU uses host memory aligned so without a copy.
_ALIGNMENT = 64


def aligned_empty(shape, dtype):
    """A new C-contiguous array of undefined values whose first byte is 64-byte aligned."""
    dtype = numpy.dtype(dtype)
    size = int(numpy.prod(shape)) * dtype.itemsize
    raw = numpy.empty(size + _ALIGNMENT, dtype=numpy.uint8)
    offset = -raw.ctypes.data % _ALIGNMENT
    return raw[offset:offset + size].view(dtype).reshape(shape)


def padded(values, rows, dtype, columns=None):
    """A new aligned array of ``values`` (converted to ``dtype``) followed by zero rows,
    ``rows`` in all, and for a matrix zero columns up to ``columns`` (default none)."""
    shape = (rows,) + values.shape[1:]
    if columns is not None:
        shape = (rows, columns)
    array = aligned_empty(shape, dtype)
    array[...] = 0
    array[tuple(slice(0, size) for size in values.shape)] = values
    return array


def padded_matrix(X, dtype, rows=None, name="X", minibatches=False):
    """The rows ``rows`` of ``X`` (all by default) as a C-contiguous ``dtype`` array,
    in a zero-padded buffer of :func:`mlp.runtime.shapes.training_rows` rows and
    :func:`mlp.runtime.shapes.padded_columns` columns.

    Parameters
    ----------
    X : ndarray or scipy.sparse matrix (n_samples, n_features)
    dtype : str
        The network's floating-point type.
    rows : array of int, optional
        The rows to take, in this order (a training split).
    name : str
        Names ``X`` in error messages.
    minibatches : bool
        Whether training takes minibatches of the rows (it is then given more zero
        rows, which cost no work, so that tables of different sizes share programs).

    Returns
    -------
    matrix : ndarray (training_rows(n + 1, ...), padded_columns(n_features))
        The rows, then zero rows and columns; aligned (:func:`aligned_empty`). Pass it to
        ``NetworkBackend.set_data`` with ``n_samples=n``; ``matrix[:n]`` is the rows.
    n : int
        The number of rows taken.

    Raises
    ------
    ValueError
        When a value is beyond ``dtype``'s range (1e39 for float32), naming its row.
    MemoryError
        When the buffer would need more than half the available memory.
    """
    count = X.shape[0] if rows is None else len(rows)
    columns = padded_columns(X.shape[1])
    shape = (training_rows(count + 1, columns, dtype, minibatches), columns)
    check_fits_in_memory(name, shape, dtype)
    # Aligned memory, which JAX on the CPU uses as it is: the one copy.
    buffer = aligned_empty(shape, dtype)
    buffer[count:] = 0
    buffer[:count, X.shape[1]:] = 0
    if sparse.issparse(X):
        X = X.tocsr()
    block_rows = max(1, _BLOCK_BYTES // (8 * max(X.shape[1], 1)))
    for start in range(0, count, block_rows):
        stop = min(start + block_rows, count)
        numbers = numpy.arange(start, stop) if rows is None else numpy.asarray(rows[start:stop])
        block = X[start:stop] if rows is None else X[numbers]
        if sparse.issparse(block):
            block = block.toarray()
        check_range(name, block, dtype, row_numbers=numbers)
        buffer[start:stop, :X.shape[1]] = block
    return buffer, count
