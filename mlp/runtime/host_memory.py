"""Host memory for the training data, kept from one training run to the next.

JAX on the CPU uses 64-byte aligned NumPy memory as a device array without copying it,
where it copies a less aligned buffer: the padded training set
(:mod:`mlp.runtime.padded_data`) is written once, into memory made for it, and the
minibatch gathers of a training step run from it, which measured faster.

New memory is paid for at its first touch, a page fault per page. On this project's
virtual machine, copying the large float32 task's 82 MB into new memory took 95-213 ms
instead of 7 ms, in a process that had trained and freed memory before
(docs/measurements.md). The last few buffers released after training are kept for
the next arrays of their sizes, marked ``MADV_FREE``: the kernel takes their pages
back whenever it needs memory (a later run then faults in new pages, as it would
have), and until then the next run writes into pages that are already there.

Where ``mmap`` cannot map private memory or mark it free (Windows, Linux before 4.5),
and for arrays under 1 MB, the memory is plain NumPy memory and nothing is kept.
"""

import mmap
import threading

import numpy

__all__ = ["empty", "padded", "release"]

_ALIGNMENT = 64
# Released buffers kept at once, the least recently released going first: a training
# run releases three (its inputs, targets and row weights).
_KEPT_COUNT = 4
# Smaller arrays are plain NumPy memory: their page faults cost little, and a mapping
# of their own would cost a system call for nothing (XOR's arrays are bytes).
_SMALLEST_KEPT = 1 << 20
_KEPT = []
_LOCK = threading.Lock()


class _Memory(mmap.mmap):
    """Memory :func:`empty` mapped: :func:`release` keeps only these."""


def _can_keep():
    """Whether this system maps private memory and marks it free (Linux 4.5 and later,
    macOS; not Windows)."""
    if not (hasattr(mmap, "MADV_FREE") and hasattr(mmap, "MAP_PRIVATE")):
        return False
    try:
        probe = _Memory(-1, mmap.PAGESIZE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        probe.madvise(mmap.MADV_FREE)
        probe.close()
    except OSError:
        return False
    return True


_KEEPS = _can_keep()


def padded(values, rows, dtype):
    """A new array of ``values`` followed by rows of zeros, from :func:`empty`.

    Parameters
    ----------
    values : ndarray (n, ...)
        The leading rows.
    rows : int
        Rows of the new array, at least ``n``.
    dtype : dtype
        Its type; ``values`` are converted.

    Returns
    -------
    ndarray (rows, ...)
        Give it back with :func:`release` once nothing reads it any more.
    """
    array = empty((rows,) + values.shape[1:], dtype)
    array[:len(values)] = values
    # Kept memory holds the rows of its last run, or zeros where the kernel took a page
    # back: the padding is written either way.
    array[len(values):] = 0
    return array


def empty(shape, dtype):
    """A new array whose values are undefined: the memory of a released array of the
    same size where one is kept.

    Parameters
    ----------
    shape : tuple of int
    dtype : dtype

    Returns
    -------
    ndarray
        C-contiguous, its first byte 64-byte aligned. Give it back with :func:`release`
        once nothing reads it any more.
    """
    dtype = numpy.dtype(dtype)
    size = int(numpy.prod(shape)) * dtype.itemsize
    memory = None
    if _KEEPS and size >= _SMALLEST_KEPT:
        memory = _kept(size) or _mapped(size)
    if memory is None:
        raw = numpy.empty(size + _ALIGNMENT, dtype=numpy.uint8)
        offset = -raw.ctypes.data % _ALIGNMENT
        return raw[offset:offset + size].view(dtype).reshape(shape)
    return numpy.frombuffer(memory, dtype=dtype).reshape(shape)


def release(arrays):
    """Keep the memory of arrays made by :func:`empty` (or :func:`padded`) for the next
    array of its size; other arrays are left to Python.

    Parameters
    ----------
    arrays : iterable of ndarray
        Arrays that nothing reads any more: their device arrays deleted, every
        computation on them finished.
    """
    for array in arrays:
        memory = _mapping(array)
        if memory is None:
            continue
        # The kernel may now take the pages back, without swapping them out.
        memory.madvise(mmap.MADV_FREE)
        with _LOCK:
            _KEPT.append(memory)
            del _KEPT[:-_KEPT_COUNT]


def _kept(size):
    """A kept mapping of ``size`` bytes, the last released first, or None."""
    with _LOCK:
        for index in range(len(_KEPT) - 1, -1, -1):
            if len(_KEPT[index]) == size:
                return _KEPT.pop(index)
    return None


def _mapped(size):
    """New private memory of ``size`` bytes, or None where it cannot be mapped (NumPy's
    allocation then says why)."""
    try:
        # Private anonymous memory, page-aligned: only such memory can be marked free.
        memory = _Memory(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    except OSError:
        return None
    if hasattr(mmap, "MADV_HUGEPAGE"):
        # Huge pages where the system gives them on request, as NumPy asks for its large
        # arrays: a fault and a TLB entry per 2 MB, not per 4 kB.
        try:
            memory.madvise(mmap.MADV_HUGEPAGE)
        except OSError:
            pass
    return memory


def _mapping(array):
    """The :class:`_Memory` behind ``array``, or None."""
    base = array
    while isinstance(base, numpy.ndarray):
        base = base.base
    if isinstance(base, memoryview):
        base = base.obj
    return base if isinstance(base, _Memory) else None
