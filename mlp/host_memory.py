"""Host memory for the training data, kept from one training run to the next.

JAX on the CPU uses 64-byte aligned NumPy memory as a device array without copying it,
where it copies a less aligned buffer: the padded training set
(:mod:`mlp.training_matrix`) is written once, into memory made for it, and the
minibatch gathers of a training step run from it, which measured faster.

New memory is paid for at its first touch, a page fault per page. On this project's
virtual machine, copying the large float32 task's 82 MB into new memory took 95-213 ms
instead of 7 ms, in a process that had trained and freed memory before
(docs/measurements.md). A buffer released after training is kept, one per size, for
the next run of that size, marked ``MADV_FREE``: the kernel takes its pages back
whenever it needs memory (a later run then faults in new pages, as it would have),
and until then the next run writes into pages that are already there.

Where ``mmap`` cannot map private memory or mark it free, buffers are plain NumPy
memory and nothing is kept.
"""

import mmap
import threading
from collections import OrderedDict

import numpy

__all__ = ["empty", "padded", "release"]

_ALIGNMENT = 64
# Sizes of released buffers kept at once (the least recently released goes first):
# a training run releases three, its inputs, targets and row weights.
_KEPT_SIZES = 3
# Smaller arrays are NumPy's: their faults cost little, and a mapping a call would cost
# more than it saves (XOR's arrays are bytes).
_SMALLEST_KEPT = 1 << 20
_KEEPS = hasattr(mmap, "MADV_FREE") and hasattr(mmap, "MAP_PRIVATE")
_KEPT = OrderedDict()
_LOCK = threading.Lock()


def padded(values, rows, dtype):
    """``values`` in the first rows of a new C-contiguous, 64-byte aligned array of
    ``rows`` rows and ``dtype``, zeros in the rest.

    Parameters
    ----------
    values : ndarray (n, ...)
        ``n`` at most ``rows``.
    rows : int
    dtype : dtype

    Returns
    -------
    ndarray (rows, ...)
        Give it back with :func:`release` once nothing reads it any more.
    """
    array = empty((rows,) + values.shape[1:], dtype)
    array[:len(values)] = values
    # A kept buffer holds the rows of its last run, or zeros where the kernel took a
    # page back: the padding is written either way.
    array[len(values):] = 0
    return array


def release(arrays):
    """Keep the memory of arrays made by :func:`padded` for the next run of their size.

    The caller guarantees that nothing reads them any more (their device arrays are
    deleted, every computation on them has finished); arrays not made here are left
    to Python.
    """
    for array in arrays:
        memory = _mapping(array)
        if memory is None:
            continue
        try:
            memory.madvise(mmap.MADV_FREE)
        except OSError:
            # A kernel without MADV_FREE: the buffer is not kept.
            continue
        with _LOCK:
            _KEPT[len(memory)] = memory
            _KEPT.move_to_end(len(memory))
            while len(_KEPT) > _KEPT_SIZES:
                _KEPT.popitem(last=False)


def empty(shape, dtype):
    """A C-contiguous array of ``shape`` and ``dtype``, 64-byte aligned, its values
    undefined: the memory of a released array of the same size where one is kept.
    Give it back with :func:`release` once nothing reads it any more."""
    dtype = numpy.dtype(dtype)
    size = int(numpy.prod(shape)) * dtype.itemsize
    if not _KEEPS or size < _SMALLEST_KEPT:
        raw = numpy.empty(size + _ALIGNMENT, dtype=numpy.uint8)
        offset = -raw.ctypes.data % _ALIGNMENT
        return raw[offset:offset + size].view(dtype).reshape(shape)
    with _LOCK:
        memory = _KEPT.pop(size, None)
    if memory is None:
        # Private anonymous memory, page-aligned: only such memory can be marked free.
        memory = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        if hasattr(mmap, "MADV_HUGEPAGE"):
            # Huge pages where the system gives them on request, as NumPy asks for its
            # large arrays: a fault and a TLB entry per 2 MB, not per 4 kB.
            try:
                memory.madvise(mmap.MADV_HUGEPAGE)
            except OSError:
                pass
    return numpy.frombuffer(memory, dtype=dtype).reshape(shape)


def _mapping(array):
    """The ``mmap`` behind ``array`` if :func:`empty` made it, else None."""
    base = array
    while isinstance(base, numpy.ndarray):
        base = base.base
    if isinstance(base, memoryview):
        base = base.obj
    return base if isinstance(base, mmap.mmap) else None
