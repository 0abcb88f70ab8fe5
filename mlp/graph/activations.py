"""The activations a layer applies, and ``ComputationBackend``, which gives them the
seed's names.

They are functions of this module, so that the layers that hold them pickle (by
reference) with the networks.
"""

import numpy

from mlp import engine

__all__ = ["sigmoid", "softmax", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu",
           "exponential", "LEAKY_SLOPE", "ComputationBackend"]


def sigmoid(x):
    """Logistic sigmoid ``1 / (1 + exp(-x))`` of a symbolic tensor, element-wise."""
    return engine.sigmoid(x)


def softmax(x):
    """Softmax of each row of a symbolic matrix."""
    return engine.softmax(x)


def tanh(x):
    """Hyperbolic tangent of a symbolic tensor, element-wise."""
    return engine.tensor.tanh(x)


def relu(x):
    """Rectified linear unit ``max(x, 0)`` of a symbolic tensor, element-wise."""
    return engine.tensor.maximum(x, 0)


# PyTorch's default negative slope of LeakyReLU.
LEAKY_SLOPE = 0.01


def _constant(value, like):
    # A constant of the tensor's own dtype, so that a float32 graph stays float32 on
    # both engines (Theano would otherwise promote by its casting rules).
    return numpy.asarray(value, dtype=like.dtype)


def leaky_relu(x):
    """Leaky rectified linear unit ``x if x > 0 else 0.01 * x`` (PyTorch's default slope)."""
    return engine.tensor.switch(x > 0, x, _constant(LEAKY_SLOPE, x) * x)


def elu(x):
    """Exponential linear unit ``x if x > 0 else exp(x) - 1`` (alpha 1, PyTorch's default)."""
    # expm1 of min(x, 0): the branch not taken stays finite, so its gradient (zero
    # times exp(x)) is never 0 * inf = NaN for a large positive x.
    return engine.tensor.switch(x > 0, x, engine.tensor.expm1(engine.tensor.minimum(x, _constant(0, x))))


def gelu(x):
    """Gaussian error linear unit, the exact form ``x * Phi(x) = x / 2 * (1 + erf(x / sqrt 2))``
    (PyTorch's default, not its tanh approximation)."""
    half = _constant(0.5, x)
    return half * x * (_constant(1, x) + engine.tensor.erf(x * _constant(1 / numpy.sqrt(2), x)))


def silu(x):
    """Sigmoid linear unit (swish) ``x * sigmoid(x)``."""
    return x * sigmoid(x)


def exponential(x):
    """Exponential ``exp(x)`` of a symbolic tensor, element-wise: a positive mean (the
    output of a Poisson regression)."""
    return engine.tensor.exp(x)


class ComputationBackend:
    """The activations a layer applies, under the seed's names."""

    def __init__(self):
        self.sigmoid = sigmoid
        self.softmax = softmax
        self.tanh = tanh
        self.relu = relu
        self.leaky_relu = leaky_relu
        self.elu = elu
        self.gelu = gelu
        self.silu = silu
        self.exponential = exponential
