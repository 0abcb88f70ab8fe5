"""Initial weights and biases, drawn from one ``numpy.random.Generator``.

``glorot`` (the default) draws symmetric values scaled to the layer's fan-in and
fan-out, so sigmoid units start in their linear range and break symmetry quickly.
``uniform`` is the seed's ``numpy.random.random``: all positive in [0, 1), kept for
fidelity; it saturates sigmoids and stalls more often.
"""

import numpy

__all__ = ["glorot", "uniform", "INITIALIZERS", "initial_parameters"]


def glorot(n_in, n_out, activation, generator):
    """Glorot (Xavier) uniform weights and biases for one layer.

    Values are uniform in ``[-limit, limit]`` with ``limit = sqrt(factor / (n_in +
    n_out))``, ``factor`` 2 for sigmoid units and 6 otherwise (scikit-learn's choice).

    Parameters
    ----------
    n_in, n_out : int
        Units feeding the layer and units of the layer.
    activation : str
        The layer's activation name.
    generator : numpy.random.Generator
        Source of the random numbers.

    Returns
    -------
    weights : ndarray of shape (n_out, n_in)
    bias : ndarray of shape (n_out,)
    """
    factor = 2.0 if activation == "sigmoid" else 6.0
    limit = numpy.sqrt(factor / (n_in + n_out))
    weights = generator.uniform(-limit, limit, size=(n_out, n_in))
    bias = generator.uniform(-limit, limit, size=n_out)
    return weights, bias


def uniform(n_in, n_out, activation, generator):
    """The seed's initialisation: weights and biases uniform in [0, 1).

    Parameters and return values are those of :func:`glorot`.
    """
    weights = generator.random(size=(n_out, n_in))
    bias = generator.random(size=n_out)
    return weights, bias


INITIALIZERS = {"glorot": glorot, "uniform": uniform}


def initial_parameters(architecture, activations, init, generator, dtype):
    """Draw the weights and biases of every layer of a network.

    Parameters
    ----------
    architecture : list of int
        Units per layer, input first.
    activations : list of str
        Activation name of each non-input layer.
    init : str
        A key of ``INITIALIZERS``.
    generator : numpy.random.Generator
        Source of the random numbers.
    dtype : str
        Floating-point type of the arrays.

    Returns
    -------
    weights, biases : lists of ndarray
        ``weights[i]`` of shape ``(architecture[i + 1], architecture[i])`` and
        ``biases[i]`` of shape ``(architecture[i + 1],)``.
    """
    initializer = INITIALIZERS[init]
    weights, biases = [], []
    for n_in, n_out, activation in zip(architecture[:-1], architecture[1:], activations):
        layer_weights, layer_bias = initializer(n_in, n_out, activation, generator)
        weights.append(layer_weights.astype(dtype))
        biases.append(layer_bias.astype(dtype))
    return weights, biases
