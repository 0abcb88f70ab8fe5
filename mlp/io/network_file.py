"""What a ``FeedForwardNetwork`` puts in a model file (:mod:`mlp.io.model_file`): a JSON
header of its settings and one array per weight matrix and bias vector, and the checks
that a file read back describes a network that can be built.

The network's class is passed in, not imported: ``FeedForwardNetwork.save`` and
``load`` use this module, which sits below ``mlp.network``.
"""

import numbers

import numpy

from mlp.errors import NotInitializedError
from mlp.graph.init import INITIALIZERS
from mlp.graph.layers import LAYERS_BY_ACTIVATION
from mlp.io.model_file import model_file_error, write_model
from mlp.validation import check_architecture, check_choice, check_number

__all__ = ["DTYPES", "network_header", "write_network", "network_from_contents"]

KIND = "FeedForwardNetwork"
DTYPES = ("float32", "float64")


def network_header(network):
    """The JSON header that describes ``network`` (an initialized FeedForwardNetwork)."""
    random_state = network.random_state
    if not (isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)):
        # A Generator's state is not worth keeping: the weights are saved themselves.
        random_state = None
    return {
        "kind": KIND,
        "architecture": [int(units) for units in network.architecture],
        "activation": network.activation,
        "activations": [layer.activation for layer in network.layers[1:]],
        "init": network.init,
        "dtype": network.dtype,
        "output": network.output,
        "regularize_bias": network.regularize_bias,
        "dropout": float(getattr(network, "dropout", 0.0)),
        "classes": None,
        "random_state": None if random_state is None else int(random_state),
    }


def write_network(network, path):
    """Write an initialized network's header and parameters to ``path`` atomically
    (:func:`mlp.io.model_file.write_model`).

    Raises
    ------
    NotInitializedError
        When ``network.initialize()`` has not been called.
    """
    if network.backend is None:
        raise NotInitializedError(
            "`save` was called before `initialize()`: there are no weights to save. "
            "Call network.initialize() (and train) first."
        )
    arrays = {}
    for index, (weights, bias) in enumerate(zip(network.weights, network.bias)):
        arrays[f"weights_{index}"] = weights
        arrays[f"bias_{index}"] = bias
    write_model(path, network_header(network), arrays)


def _header_settings(path, header):
    """Return the FeedForwardNetwork arguments the header describes, all checked."""
    if header.get("kind") != KIND:
        raise model_file_error(path, f"kind {header.get('kind')!r} is not {KIND!r}")
    try:
        architecture = check_architecture(header["architecture"])
        activation = check_choice("activation", header["activation"], LAYERS_BY_ACTIVATION)
        init = check_choice("init", header["init"], INITIALIZERS)
        dtype = check_choice("dtype", header["dtype"], DTYPES)
        # Files from before multilabel support hold softmax networks.
        output = check_choice("output", header.get("output", "softmax"),
                              ("softmax", "sigmoid", "identity", "exponential"))
        regularize_bias = header.get("regularize_bias", True)
        if not isinstance(regularize_bias, bool):
            raise ValueError(f"regularize_bias must be true or false. Found: {regularize_bias!r}")
        # Files from before dropout hold networks without it.
        dropout = check_number("dropout", header.get("dropout", 0.0), minimum=0, maximum=1,
                               include_maximum=False)
    except KeyError as error:
        raise model_file_error(path, f"its header has no {error} entry") from None
    except (TypeError, ValueError) as error:
        raise model_file_error(path, f"its header is invalid: {error}") from error
    random_state = header.get("random_state")
    if random_state is not None and (isinstance(random_state, bool) or not isinstance(random_state, int)
                                     or random_state < 0):
        raise model_file_error(
            path, f"its header's random_state must be null or a non-negative integer. "
                  f"Found: {random_state!r}"
        )
    _check_activations(path, header, architecture, activation, output)
    return {"architecture": architecture, "activation": activation, "init": init, "dtype": dtype,
            "random_state": random_state, "output": output, "regularize_bias": regularize_bias,
            "dropout": dropout}


def _check_activations(path, header, architecture, activation, output):
    """Refuse per-layer activations that disagree with ``activation`` (a hand-edited header)."""
    expected = [activation] * (len(architecture) - 2) + [output]
    found = header.get("activations", expected)
    if found != expected:
        raise model_file_error(
            path, f"its header's activations {found!r} disagree with activation={activation!r} "
                  f"and architecture={architecture} (expected {expected!r})"
        )


def _checked_array(path, arrays, name, shape):
    """Return ``arrays[name]`` if it is a finite float array of ``shape``."""
    if name not in arrays:
        raise model_file_error(path, f"it has no array `{name}` (expected shape {shape})")
    array = arrays[name]
    if array.dtype.kind != "f":
        raise model_file_error(path, f"array `{name}` has dtype {array.dtype}, expected floats")
    if array.shape != shape:
        raise model_file_error(
            path, f"array `{name}` has shape {array.shape} but the header's architecture "
                  f"expects {shape}"
        )
    if not numpy.isfinite(array).all():
        index = tuple(int(i) for i in numpy.argwhere(~numpy.isfinite(array))[0])
        raise model_file_error(path, f"array `{name}` holds {array[index]} at index {index}")
    return array


def _checked_parameters(path, arrays, architecture):
    """Return the weights and biases the architecture expects, refusing any other array."""
    weights, biases = [], []
    for index, (n_in, n_out) in enumerate(zip(architecture[:-1], architecture[1:])):
        weights.append(_checked_array(path, arrays, f"weights_{index}", (n_out, n_in)))
        biases.append(_checked_array(path, arrays, f"bias_{index}", (n_out,)))
    expected_names = {f"{kind}_{index}" for kind in ("weights", "bias") for index in range(len(weights))}
    unexpected = sorted(set(arrays) - expected_names)
    if unexpected:
        raise model_file_error(
            path, f"it holds arrays {unexpected} that the header's architecture {architecture} "
                  f"has no layer for"
        )
    return weights, biases


def network_from_contents(network_class, path, header, arrays):
    """Build the ``network_class`` network that a file's ``header`` and ``arrays`` (from
    :func:`mlp.io.model_file.read_model`) describe, initialized, with the saved
    parameters; ``path`` only names the file in error messages."""
    settings = _header_settings(path, header)
    weights, biases = _checked_parameters(path, arrays, settings["architecture"])
    network = network_class(**settings)
    network.initialize()
    dtype = settings["dtype"]
    for variable, value in zip(network.backend.weights, weights):
        variable.set_value(value.astype(dtype))
    for variable, value in zip(network.backend.bias, biases):
        variable.set_value(value.astype(dtype))
    return network
