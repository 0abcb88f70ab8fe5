"""Layers: each turns a symbolic input into a symbolic output in a few lines.

A layer holds no weights (the backend owns them, as in the seed); it only knows its
number of units, its activation, applied to ``dot(h, W.T) + b`` by the backend, and
the dropout rate applied to its output while training (hidden layers only).
"""

import numbers

from mlp.graph.activations import ComputationBackend
from mlp.validation import check_number

__all__ = [
    "Layer", "InputLayer", "IdentityLayer", "SigmoidLayer", "TanhLayer", "ReLULayer",
    "LeakyReLULayer", "ELULayer", "GELULayer", "SiLULayer", "SoftmaxLayer", "ExponentialLayer",
    "LAYERS_BY_ACTIVATION", "REGRESSION_OUTPUTS",
]


class Layer:
    """A layer of ``units`` neurons; the base class applies no activation.

    Parameters
    ----------
    units : int
        Number of units (neurons), a positive integer.
    dropout : float in [0, 1), default 0
        Share of this layer's outputs set to zero at each training step (inverted
        dropout: the kept ones are scaled by ``1 / (1 - dropout)``); never applied
        when predicting. Hidden layers only.

    Examples
    --------
    >>> print(SigmoidLayer(units=2))
    SigmoidLayer Units:2
    >>> ReLULayer(units=100, dropout=0.5)
    ReLULayer(units=100, dropout=0.5)
    """

    activation = "identity"
    # A class default, so layers pickled before dropout existed read as without it.
    dropout = 0.0

    def __init__(self, units, dropout=0.0):
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
        self.dropout = check_number("dropout", dropout, minimum=0, maximum=1, include_maximum=False)
        self.backend = ComputationBackend()

    def __str__(self):
        return f"{type(self).__name__} Units:{self.units}"

    def __repr__(self):
        rate = f", dropout={self.dropout}" if self.dropout else ""
        return f"{type(self).__name__}(units={self.units}{rate})"

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


class LeakyReLULayer(Layer):
    """Leaky rectified linear units, ``x if x > 0 else 0.01 * x`` (PyTorch's default slope)."""

    activation = "leaky_relu"

    def forwardPass(self, inputs):
        return self.backend.leaky_relu(inputs)


class ELULayer(Layer):
    """Exponential linear units, ``x if x > 0 else exp(x) - 1`` (alpha 1)."""

    activation = "elu"

    def forwardPass(self, inputs):
        return self.backend.elu(inputs)


class GELULayer(Layer):
    """Gaussian error linear units, the exact ``x * Phi(x)`` (PyTorch's default form)."""

    activation = "gelu"

    def forwardPass(self, inputs):
        return self.backend.gelu(inputs)


class SiLULayer(Layer):
    """Sigmoid linear units (swish), ``x * sigmoid(x)``."""

    activation = "silu"

    def forwardPass(self, inputs):
        return self.backend.silu(inputs)


class SoftmaxLayer(Layer):
    """Softmax output units: each row of the output sums to one."""

    activation = "softmax"

    def forwardPass(self, inputs):
        return self.backend.softmax(inputs)


class ExponentialLayer(Layer):
    """Exponential output units, ``exp(x)``: the positive mean of a count (Poisson
    regression)."""

    activation = "exponential"

    def forwardPass(self, inputs):
        return self.backend.exponential(inputs)


# The output activations of a regression (real-valued targets, no classes): linear
# outputs on the squared error, exponential ones on the Poisson deviance.
REGRESSION_OUTPUTS = ("identity", "exponential")

LAYERS_BY_ACTIVATION = {
    "identity": IdentityLayer,
    "sigmoid": SigmoidLayer,
    "tanh": TanhLayer,
    "relu": ReLULayer,
    "leaky_relu": LeakyReLULayer,
    "elu": ELULayer,
    "gelu": GELULayer,
    "silu": SiLULayer,
}
