"""An ONNX graph of a trained network, from what :class:`Description` says of it
(``mlp.to_onnx``, in :mod:`mlp.export`, describes the model).

The graph is written node by node with ``onnx.helper``: one ``Gemm`` per layer, the
layer's activation, then the outputs skl2onnx gives scikit-learn's MLP (``label`` and
``probabilities`` for a classifier, ``variable`` for a regressor). It uses only the
default ONNX domain at opset 17, which runtimes from 2022 on (onnxruntime 1.12+) run.
"""

import numpy
from scipy import sparse

from mlp.graph.layers import REGRESSION_OUTPUTS
from mlp.io.onnx_nodes import ACTIVATIONS, FLOAT32, FLOAT64, GraphBuilder
from mlp.version import __version__

__all__ = ["Description", "onnx_model", "onnx_package", "OPSET", "IR_VERSION"]

OPSET = 17
# The file format version that came with opset 17 (onnx 1.12), so older readers load it.
IR_VERSION = 8
# The graph output that the output layer's activation writes, as skl2onnx names it.
_OUTPUT_NAMES = {"softmax": "probabilities", "sigmoid": "probabilities", "identity": "variable",
                 "exponential": "variable"}


class Description:
    """What the graph needs from a model: weights ``(n_in, n_out)`` per layer, biases,
    the hidden activation (mlp's name), the output ("softmax", "sigmoid" or
    "identity") and the class labels (None unless one class per row)."""

    def __init__(self, coefficients, intercepts, activation, output, classes):
        self.coefficients = [numpy.asarray(coefficient) for coefficient in coefficients]
        self.intercepts = [numpy.asarray(intercept) for intercept in intercepts]
        self.activation = activation
        self.output = output
        self.classes = classes
        self.dtype = self.coefficients[0].dtype


def _float_type(description, X_sample):
    """float32 when the model or the sample is float32 (skl2onnx's rule: a float32
    sample gives a float graph), else float64."""
    sample = X_sample if sparse.issparse(X_sample) else numpy.asarray(X_sample)
    n_features = description.coefficients[0].shape[0]
    numeric = numpy.issubdtype(sample.dtype, numpy.number) or sample.dtype == numpy.bool_
    if sample.ndim != 2 or sample.shape[1] != n_features or not numeric:
        raise ValueError(
            f"Received an invalid value for `X_sample`, expected a numeric 2-D array of "
            f"{n_features} columns (the model's inputs). Received: X_sample of shape "
            f"{sample.shape} and dtype {sample.dtype}"
        )
    if numpy.float32 in (description.dtype, sample.dtype):
        return numpy.dtype(numpy.float32)
    return numpy.dtype(numpy.float64)


def _labels(classes):
    """The class labels as skl2onnx outputs them: strings, or int64 for integers, bools
    and floats (whole numbers: a classifier refuses continuous targets)."""
    values = classes.tolist()
    if all(isinstance(value, str) for value in values):
        return numpy.asarray(values, dtype=object)
    if all(isinstance(value, int | float) and float(value).is_integer() for value in values):
        return numpy.asarray(values, dtype=numpy.int64)
    raise TypeError(
        "Received a model whose `classes_` ONNX cannot hold as labels, expected strings or "
        f"whole numbers. Received: classes_={classes!r}"
    )


def _add_label(graph, description, n_outputs):
    """Add the ``label`` output after ``probabilities``; return its value info."""
    helper, int64 = graph.onnx.helper, graph.onnx.TensorProto.INT64
    if description.output == "sigmoid":
        # Independent labels: each on when its probability is above one half, as predict.
        above = graph.add("Greater", ["probabilities", graph.constant("half", 0.5)], "above_half")
        graph.add("Cast", [above], "label", to=int64)
        return helper.make_tensor_value_info("label", int64, [None, n_outputs])
    labels = _labels(description.classes)
    # ArgMax keeps the first of equal values, as numpy.argmax does.
    index = graph.add("ArgMax", ["probabilities"], "class_index", axis=1, keepdims=0)
    graph.add("Gather", [graph.constant("classes", labels, labels.dtype), index], "label", axis=0)
    label_type = graph.onnx.TensorProto.STRING if labels.dtype == object else int64
    return helper.make_tensor_value_info("label", label_type, [None])


def onnx_package():
    """The ``onnx`` package, or an ImportError that says how to install it."""
    try:
        import onnx
    except ImportError as error:
        raise ImportError(
            "mlp.to_onnx needs the `onnx` package: pip install onnx (or pip install "
            "mlp[onnx], which adds onnxruntime to run the graph)"
        ) from error
    return onnx


def onnx_model(description, X_sample, name):
    """Return the ``onnx.ModelProto`` of the model ``description`` describes (see
    ``mlp.to_onnx`` for its inputs and outputs); ``name`` names the graph."""
    onnx = onnx_package()
    graph = GraphBuilder(onnx, _float_type(description, X_sample))
    layer_input = "X"
    last = len(description.coefficients) - 1
    for index, (coefficient, intercept) in enumerate(zip(description.coefficients, description.intercepts)):
        affine = graph.add("Gemm", [layer_input, graph.constant(f"coefficient_{index}", coefficient),
                                    graph.constant(f"intercept_{index}", intercept)], f"affine_{index}")
        function = description.activation if index < last else description.output
        output = f"activation_{index}" if index < last else _OUTPUT_NAMES[function]
        layer_input = ACTIVATIONS[function](graph, affine, output)
    n_features, n_outputs = description.coefficients[0].shape[0], description.coefficients[-1].shape[1]
    float_tensor = FLOAT32 if graph.float_type == numpy.float32 else FLOAT64
    outputs = [onnx.helper.make_tensor_value_info(layer_input, float_tensor, [None, n_outputs])]
    if description.output not in REGRESSION_OUTPUTS:
        outputs.insert(0, _add_label(graph, description, n_outputs))
    onnx_graph = onnx.helper.make_graph(
        graph.nodes, name,
        [onnx.helper.make_tensor_value_info("X", float_tensor, [None, n_features])],
        outputs, list(graph.constants.values()))
    proto = onnx.helper.make_model(
        onnx_graph, opset_imports=[onnx.helper.make_opsetid("", OPSET)], ir_version=IR_VERSION,
        producer_name="mlp", producer_version=__version__)
    onnx.checker.check_model(proto)
    return proto
