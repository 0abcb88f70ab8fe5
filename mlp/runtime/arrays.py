"""Arrays a network keeps between compiled calls, on the engine's device.

A :class:`Parameter` has the interface of the seed's Theano shared variables
(``name``, ``get_value``, ``set_value``), so that ``backend.weights[i].get_value()``
reads as in the seed; its ``value`` is the array the compiled programs take and return
(a JAX device array with PyTensor, a NumPy array with Theano). Values are never
changed in place: a compiled call returns new arrays, so keeping a reference to a
value is a snapshot that costs nothing. Each function here runs under
:func:`mlp.engine.scope`, so that a float64 array stays float64 on the device.
"""

import functools

import numpy

from mlp import engine

__all__ = ["Parameter", "to_device", "many_to_device", "to_numpy"]


@functools.cache
def _device():
    # JAX's default device, named explicitly: arrays placed on it are the same kind of
    # input as the arrays the compiled programs return (committed to a device), so the
    # first call and every later one share one compiled program. Looked up on first
    # use, which starts JAX's backends: importing mlp does not.
    return engine.jax.devices()[0]


@engine.scoped
def to_device(array):
    """``array`` (a NumPy array the caller will not change) on the engine's device."""
    if engine.jax is None:
        return array
    return engine.jax.device_put(array, _device())


@engine.scoped
def many_to_device(arrays):
    """Several NumPy arrays on the engine's device, in one transfer."""
    if engine.jax is None:
        return list(arrays)
    return engine.jax.device_put(list(arrays), _device())


@engine.scoped
def to_numpy(value):
    """A NumPy copy of a device array (or of a NumPy array)."""
    return numpy.array(value)


class Parameter:
    """A named array on the engine's device, read and written as NumPy arrays.

    Parameters
    ----------
    name : str
    value : ndarray
        The initial value; its dtype is kept by every later :meth:`set_value`.
    """

    def __init__(self, name, value):
        self.name = name
        self.dtype = numpy.asarray(value).dtype
        self.set_value(value)

    def get_value(self, borrow=False):
        """A NumPy copy of the value (``borrow`` is accepted for the seed's code, and ignored)."""
        return to_numpy(self.value)

    def set_value(self, value, borrow=False):
        """Replace the value by a copy of ``value``, converted to this parameter's dtype."""
        self.value = to_device(numpy.array(value, dtype=self.dtype))

    def __getstate__(self):
        # A NumPy value: JAX would rebuild a device array when unpickled, outside
        # mlp's scope, in float32 whatever its dtype.
        return {"name": self.name, "dtype": self.dtype, "value": to_numpy(self.value)}

    def __setstate__(self, state):
        self.name, self.dtype = state["name"], state["dtype"]
        self.set_value(state["value"])

    @property
    def shape(self):
        return tuple(self.value.shape)

    def __repr__(self):
        return f"Parameter({self.name!r}, shape={self.shape}, dtype={self.dtype})"
