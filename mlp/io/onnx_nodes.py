"""The pieces of an ONNX graph that :func:`mlp.io.onnx.to_onnx` writes: a builder of nodes
and constants, and the nodes of each activation.

The compositions avoid operators that onnxruntime lacks in float64 (``LeakyRelu``,
``Elu``, ``Erf``) or rewrites wrongly, so a float64 graph runs as a float32 one does.
"""

import math

import numpy

from mlp.graph import activations

__all__ = ["GraphBuilder", "ACTIVATIONS", "FLOAT32", "FLOAT64"]

# onnx.TensorProto's codes of the float types, fixed by the format.
FLOAT32, FLOAT64 = 1, 11


class GraphBuilder:
    """The nodes and constants of a graph being built, in one float type.

    Parameters
    ----------
    onnx : module
        The ``onnx`` package (imported by the caller, which reports its absence).
    float_type : numpy.dtype
        float32 or float64: the type of the graph's constants and values.
    """

    def __init__(self, onnx, float_type):
        self.onnx = onnx
        self.float_type = float_type
        self.nodes = []
        self.constants = {}

    def add(self, operator, inputs, output, **attributes):
        """Append the node ``output = operator(*inputs)``; return ``output``."""
        self.nodes.append(self.onnx.helper.make_node(operator, inputs, [output], **attributes))
        return output

    def constant(self, name, value, dtype=None):
        """A constant tensor (in the graph's float type unless ``dtype``); return its name."""
        array = numpy.asarray(value, dtype=dtype or self.float_type)
        self.constants.setdefault(name, self.onnx.numpy_helper.from_array(array, name))
        return name


def _one_node(operator, **attributes):
    def activation(graph, inputs, output):
        return graph.add(operator, [inputs], output, **attributes)

    return activation


def _gelu(graph, inputs, output):
    # The exact form x / 2 * (1 + erf(x / sqrt 2)), as mlp's; ONNX's Gelu operator
    # needs opset 20, which older runtimes lack.
    scaled = graph.add("Div", [inputs, graph.constant("sqrt_two", math.sqrt(2))], f"{output}_scaled")
    if graph.float_type == numpy.float64:
        # onnxruntime has no float64 Erf: it runs in float32 (relative error 6e-8).
        erf = graph.add("Erf", [graph.add("Cast", [scaled], f"{output}_single", to=FLOAT32)],
                        f"{output}_single_erf")
        erf = graph.add("Cast", [erf], f"{output}_erf", to=FLOAT64)
    else:
        erf = graph.add("Erf", [scaled], f"{output}_erf")
    twice_phi = graph.add("Add", [erf, graph.constant("one", 1)], f"{output}_twice_phi")
    product = graph.add("Mul", [inputs, twice_phi], f"{output}_product")
    return graph.add("Mul", [product, graph.constant("half", 0.5)], output)


def _leaky_relu(graph, inputs, output):
    # max(x, slope * x) for a slope below one; onnxruntime's LeakyRelu has no float64
    # kernel and takes its slope as a float32 attribute.
    slope = graph.constant("leaky_slope", activations.LEAKY_SLOPE)
    sloped = graph.add("Mul", [inputs, slope], f"{output}_sloped")
    return graph.add("Max", [inputs, sloped], output)


def _elu(graph, inputs, output):
    # relu(x) + exp(min(x, 0)) - 1: onnxruntime's Elu has no float64 kernel.
    negative = graph.add("Min", [inputs, graph.constant("zero", 0)], f"{output}_negative")
    exponential = graph.add("Sub", [graph.add("Exp", [negative], f"{output}_exp"), graph.constant("one", 1)],
                            f"{output}_exp_minus_one")
    return graph.add("Add", [graph.add("Relu", [inputs], f"{output}_relu"), exponential], output)


def _silu(graph, inputs, output):
    # x / (1 + exp(-x)): onnxruntime 1.19 fuses x * Sigmoid(x) into a QuickGelu node
    # that has no float64 kernel. exp(-x) overflowing to infinity gives the limit, -0.
    exponential = graph.add("Exp", [graph.add("Neg", [inputs], f"{output}_negated")], f"{output}_exp")
    denominator = graph.add("Add", [exponential, graph.constant("one", 1)], f"{output}_denominator")
    return graph.add("Div", [inputs, denominator], output)


# Every activation a layer may have (mlp.graph.layers.LAYERS_BY_ACTIVATION, and the outputs)
# -> a function adding its nodes: activation(graph, inputs, output) -> output.
ACTIVATIONS = {
    "identity": _one_node("Identity"),
    "sigmoid": _one_node("Sigmoid"),
    "tanh": _one_node("Tanh"),
    "relu": _one_node("Relu"),
    "leaky_relu": _leaky_relu,
    "elu": _elu,
    "gelu": _gelu,
    "silu": _silu,
    "softmax": _one_node("Softmax", axis=1),
    "exponential": _one_node("Exp"),
}
