"""Layers: each turns a symbolic input into a symbolic output in a few lines.

A layer holds no weights (the backend owns them, as in the seed); it only knows its
number of units and its activation, applied to ``dot(h, W.T) + b`` by the backend.
"""

import numbers

from mlp.backend import ComputationBackend

__all__ = [
    "Layer", "InputLayer", "IdentityLayer", "SigmoidLayer", "TanhLayer", "ReLULayer", "SoftmaxLayer",
    "LAYERS_BY_ACTIVATION",
]


class Layer:
    """A layer of ``units`` neurons; the base class applies no activation.

    Parameters
    ----------
    units : int
        Number of units (neurons), a positive integer.

    Examples
    --------
    >>> print(SigmoidLayer(units=2))
    SigmoidLayer Units:2
    """

    activation = "identity"

    def __init__(self, units):
        if isinstance(units, bool) or not isinstance(units, numbers.Integral):
            raise TypeError(
                f"Received an invalid value for `units`, expected a positive integer. "
                f"Received: units={units!r}"
            )
        if units < 1:
            raise ValueError(
                f"Received an invalid value for `units`, expected a positive integer. "
                f"Received: units={units!r}"
            )
        self.units = int(units)
        self.backend = ComputationBackend()

    def __str__(self):
        return f"{type(self).__name__} Units:{self.units}"

    def __repr__(self):
        return f"{type(self).__name__}(units={self.units})"

    def forwardPass(self, inputs):
        """Return the symbolic output of this layer for the symbolic ``inputs``."""
        return inputs


class InputLayer(Layer):
    """The input: passes the data through unchanged."""


class IdentityLayer(Layer):
    """Linear units: the layer's affine map, no activation."""


class SigmoidLayer(Layer):
    """Logistic sigmoid units, ``1 / (1 + exp(-x))``."""

    activation = "sigmoid"

    def forwardPass(self, inputs):
        return self.backend.sigmoid(inputs)


class TanhLayer(Layer):
    """Hyperbolic tangent units."""

    activation = "tanh"

    def forwardPass(self, inputs):
        return self.backend.tanh(inputs)


class ReLULayer(Layer):
    """Rectified linear units, ``max(x, 0)``."""

    activation = "relu"

    def forwardPass(self, inputs):
        return self.backend.relu(inputs)


class SoftmaxLayer(Layer):
    """Softmax output units: each row of the output sums to one."""

    activation = "softmax"

    def forwardPass(self, inputs):
        return self.backend.softmax(inputs)


LAYERS_BY_ACTIVATION = {
    "identity": IdentityLayer,
    "sigmoid": SigmoidLayer,
    "tanh": TanhLayer,
    "relu": ReLULayer,
}
