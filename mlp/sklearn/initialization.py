"""scikit-learn's initial weights, so that a drop-in starts where scikit-learn's starts:
for an integer ``random_state``, from the same numbers."""

import numbers

import numpy
from sklearn.utils import check_random_state

__all__ = ["initialize_as_scikit_learn", "split_random_state"]


def initialize_as_scikit_learn(network, activation, seed):
    """Set ``network``'s weights and biases as scikit-learn's MLPs draw theirs.

    scikit-learn (``BaseMultilayerPerceptron._init_coef``) draws from one
    ``RandomState(random_state)``, layer by layer, the coefficients of shape
    ``(fan_in, fan_out)`` and then the intercepts, uniform in ``±sqrt(factor / (fan_in +
    fan_out))``, ``factor`` 2 when the hidden activation is logistic and 6 otherwise,
    the output layer included. The network's own Glorot initialisation differs in the
    generator and in the output layer's factor; the draws here are scikit-learn's, so a
    drop-in and scikit-learn's estimator start from the same weights whenever their
    layers have the same shapes (a binary classifier has one output there, two here).

    Parameters
    ----------
    network : FeedForwardNetwork
        Initialized; its weights and biases are replaced.
    activation : str
        scikit-learn's name of the hidden activation (``"logistic"``, ``"relu"``, ...).
    seed : int
        The ``random_state`` of this initialisation.
    """
    random_state = numpy.random.RandomState(seed)
    factor = 2.0 if activation == "logistic" else 6.0
    layers = zip(network.architecture[:-1], network.architecture[1:],
                 network.backend.weights, network.backend.bias)
    for fan_in, fan_out, weights, bias in layers:
        bound = numpy.sqrt(factor / (fan_in + fan_out))
        coef = random_state.uniform(-bound, bound, (fan_in, fan_out))
        intercept = random_state.uniform(-bound, bound, fan_out)
        # The network keeps (fan_out, fan_in), C-ordered.
        weights.set_value(numpy.ascontiguousarray(coef.T))
        bias.set_value(intercept)


def split_random_state(random_state, architecture):
    """The random state scikit-learn's early-stopping split draws from.

    scikit-learn splits with the ``RandomState`` that drew its initial weights, after
    those draws; for an integer ``random_state`` this returns that state, past as many
    uniform draws as a network of ``architecture`` (scikit-learn's layer sizes) takes.
    Anything else is scikit-learn's ``check_random_state(random_state)``.
    """
    state = check_random_state(random_state)
    if isinstance(random_state, numbers.Integral):
        # One double per weight and bias: a single call consumes what the layer-by-layer
        # calls do.
        state.uniform(size=sum(fan_in * fan_out + fan_out
                               for fan_in, fan_out in zip(architecture[:-1], architecture[1:])))
    return state
