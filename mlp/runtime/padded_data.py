"""The training matrix: one copy of the caller's rows, in the network's dtype, padded.

The compiled programs take the training rows padded with zero rows to one of a few
row counts (:func:`padded_rows`), so that data sets of nearby sizes share programs.
:func:`padded_matrix` builds that padded array straight from the caller's ``X``
(dense or sparse, every row or a chosen subset, any float dtype), block by block:
the padded array is the one copy of ``X`` that training holds, densifying, converting
and selecting the rows of a split never make a second whole one. The device array
made from it shares its memory where the engine can (JAX on the CPU does), and
``NetworkBackend.set_data`` recognises it (:func:`padded_base`) instead of padding
again.

Before allocating, :func:`check_fits_in_memory` refuses a matrix that would take
more than half of the memory the machine has available, naming the size, instead of
letting the system swap.
"""

import os
import weakref

import numpy
from scipy import sparse

from mlp.runtime import host_memory
from mlp.validation import check_range

__all__ = ["padded_rows", "padded_matrix", "padded_base", "check_fits_in_memory", "available_memory"]

# Bytes converted at a time (of float64): small beside any matrix worth the trouble,
# large enough that the loop costs nothing beside the copy.
_BLOCK_BYTES = 1 << 20

# The memory of the matrices padded_matrix made, by address, while any view of it
# lives: only these are used without a copy (a view of the caller's own array never
# is, it may change under training).
_BUFFERS = weakref.WeakValueDictionary()


def padded_rows(count):
    """``count`` rounded up to one of eight sizes per power of two (exact up to 16).

    Arrays padded to these sizes give the compiled programs few shapes to compile for,
    at the cost of at most 1/8 more rows.
    """
    if count <= 16:
        return count
    granularity = 2 ** ((count - 1).bit_length() - 4)
    return -(-count // granularity) * granularity


def available_memory():
    """Bytes of memory available to a new allocation without swapping (Linux's
    ``MemAvailable``; elsewhere the free physical pages), or None if unknown."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_fits_in_memory(name, shape, dtype):
    """Refuse an array of ``shape`` and ``dtype`` larger than half the available memory.

    Raises
    ------
    MemoryError
        Naming the array, its size and the memory available.
    """
    needed = int(numpy.prod(shape)) * numpy.dtype(dtype).itemsize
    available = available_memory()
    if available is not None and needed > available / 2:
        smaller = " or in float32 (dtype='float32')" if numpy.dtype(dtype).itemsize > 4 else ""
        raise MemoryError(
            f"Training on `{name}` needs a {shape[0]} x {shape[1]} {numpy.dtype(dtype).name} "
            f"matrix of {_size(needed)}, more than half of the {_size(available)} of memory "
            f"available. Train on fewer rows at a time (partial_fit over chunks){smaller}."
        )


def _size(count):
    return f"{count / 1e9:.2f} GB" if count >= 1e9 else f"{count / 1e6:.1f} MB"


def padded_matrix(X, dtype, rows=None, name="X"):
    """The rows ``rows`` of ``X`` (all by default) as a C-contiguous ``dtype`` array,
    in a zero-padded buffer of :func:`padded_rows` ``(n + 1)`` rows.

    Parameters
    ----------
    X : ndarray or scipy.sparse matrix (n_samples, n_features)
    dtype : str
        The network's floating-point type.
    rows : array of int, optional
        The rows to take, in this order (a training split).
    name : str
        Names ``X`` in error messages.

    Returns
    -------
    ndarray (n, n_features)
        A view of the first ``n`` rows of the padded buffer (``.base``).

    Raises
    ------
    ValueError
        When a value is beyond ``dtype``'s range (1e39 for float32), naming its row.
    MemoryError
        When the buffer would need more than half the available memory.
    """
    count = X.shape[0] if rows is None else len(rows)
    shape = (padded_rows(count + 1), X.shape[1])
    check_fits_in_memory(name, shape, dtype)
    # Aligned memory, which JAX on the CPU uses as it is (mlp.runtime.host_memory): the one copy.
    # It may be a past run's, holding its rows: the padding is written.
    buffer = host_memory.empty(shape, dtype)
    buffer[count:] = 0
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
        buffer[start:stop] = block
    _BUFFERS[buffer.ctypes.data] = buffer.base
    return buffer[:count]


def padded_base(inputs, dtype):
    """The whole padded matrix of ``inputs`` if ``inputs`` is the start of one made by
    :func:`padded_matrix` in ``dtype``, else None."""
    memory = _BUFFERS.get(inputs.ctypes.data)
    if memory is None or inputs.base is not memory or inputs.dtype != dtype:
        return None
    shape = (padded_rows(inputs.shape[0] + 1), inputs.shape[1])
    offset = inputs.ctypes.data - memory.ctypes.data
    if (not inputs.flags.c_contiguous
            or offset + int(numpy.prod(shape)) * inputs.itemsize > memory.nbytes):
        return None
    return numpy.ndarray(shape, dtype=inputs.dtype, buffer=memory, offset=offset)
