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

    The device array may be larger than the parameter (``padded_shape``, see
    :mod:`mlp.runtime.shapes`): the compiled programs take and return it padded, and
    :meth:`get_value` and :meth:`set_value` read and write the parameter's own
    ``shape``, the padding held at ``fill``.

    Parameters
    ----------
    name : str
    value : ndarray
        The initial value; its dtype is kept by every later :meth:`set_value`.
    padded_shape : tuple of int, optional
        The device array's shape, at least ``value``'s in every dimension; default
        ``value``'s own.
    fill : float
        The padding's value.
    """

    def __init__(self, name, value, padded_shape=None, fill=0.0):
        value = numpy.asarray(value)
        self.name = name
        self.dtype = value.dtype
        self.fill = fill
        self._own_shape = tuple(value.shape)
        self.padded_shape = self._own_shape if padded_shape is None else tuple(padded_shape)
        self.set_value(value)

    @property
    def padded(self):
        """Whether the device array is larger than the parameter."""
        return self.padded_shape != self._own_shape

    def _own(self):
        return tuple(slice(0, size) for size in self._own_shape)

    def get_value(self, borrow=False):
        """A NumPy copy of the value (``borrow`` is accepted for the seed's code, and ignored)."""
        if self.padded:
            return numpy.array(numpy.asarray(self.value)[self._own()])
        return to_numpy(self.value)

    def set_value(self, value, borrow=False):
        """Replace the value by a copy of ``value``, converted to this parameter's dtype."""
        value = numpy.array(value, dtype=self.dtype)
        if not self.padded:
            # An unpadded parameter takes the shape of what it is given, as the seed's
            # shared variables do.
            self._own_shape = self.padded_shape = tuple(value.shape)
            self.value = to_device(value)
            return
        if value.shape != self._own_shape:
            raise ValueError(f"`{self.name}` has shape {self._own_shape}. Received: a value "
                             f"of shape {value.shape}")
        buffer = numpy.full(self.padded_shape, self.fill, dtype=self.dtype)
        buffer[self._own()] = value
        self.value = to_device(buffer)

    def __getstate__(self):
        # A NumPy value: JAX would rebuild a device array when unpickled, outside
        # mlp's scope, in float32 whatever its dtype.
        return {"name": self.name, "dtype": self.dtype, "value": self.get_value(),
                "padded_shape": self.padded_shape, "fill": self.fill}

    def __setstate__(self, state):
        self.name, self.dtype = state["name"], state["dtype"]
        self.fill = state.get("fill", 0.0)
        self._own_shape = tuple(state["value"].shape)
        self.padded_shape = tuple(state.get("padded_shape", self._own_shape))
        self.set_value(state["value"])

    @property
    def shape(self):
        """The parameter's own shape (the device array's is :attr:`padded_shape`)."""
        return self._own_shape

    def __repr__(self):
        return f"Parameter({self.name!r}, shape={self.shape}, dtype={self.dtype})"
