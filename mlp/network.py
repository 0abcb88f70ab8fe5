"""The seed's front end: ``Network`` and ``FeedForwardNetwork``."""

import numbers

import numpy

from mlp import training
from mlp.backend import NetworkBackend
from mlp.errors import NotInitializedError
from mlp.init import INITIALIZERS
from mlp.layers import LAYERS_BY_ACTIVATION, InputLayer, SoftmaxLayer
from mlp.validation import (
    check_architecture,
    check_choice,
    check_inputs,
    check_number,
    check_targets,
)

__all__ = ["Network", "FeedForwardNetwork"]

_DTYPES = ("float32", "float64")


class Network:
    """A network's architecture, layers and parameters.

    Parameters
    ----------
    architecture : list of int
        Units per layer: inputs, hidden layers..., outputs (at least two entries).

    Attributes
    ----------
    architecture : list of int
    layers : list of Layer
        Empty until ``initialize()``.
    weights : list of ndarray
        Copies of the current weight matrices, ``weights[i]`` of shape
        ``(architecture[i + 1], architecture[i])``; empty until ``initialize()``.
    bias : list of ndarray
        Copies of the current bias vectors, ``bias[i]`` of shape ``(architecture[i + 1],)``.
    """

    def __init__(self, architecture):
        self.architecture = check_architecture(architecture)
        self.layers = []
        self.backend = None

    @property
    def weights(self):
        if self.backend is None:
            return []
        return [variable.get_value() for variable in self.backend.weights]

    @property
    def bias(self):
        if self.backend is None:
            return []
        return [variable.get_value() for variable in self.backend.bias]

    def __str__(self):
        banner = ""
        for weights, bias in zip(self.weights, self.bias):
            banner += str(weights) + "\n"
            banner += str(bias) + "\n"
        return banner


class FeedForwardNetwork(Network):
    """A multi-layer perceptron classifier with a softmax output, trained by momentum.

    Parameters
    ----------
    architecture : list of int
        Units per layer: inputs, hidden layers..., classes.
    activation : {"sigmoid", "tanh", "relu"}, default "sigmoid"
        Activation of the hidden layers (the seed's is sigmoid).
    init : {"glorot", "uniform"}, default "glorot"
        Initial weights: symmetric Glorot, or the seed's uniform [0, 1).
    random_state : None, int or numpy.random.Generator
        Seeds the initial weights and every restart; the same integer gives the
        same weights.
    dtype : {"float64", "float32"}, default "float64"
        Floating-point type of the parameters and the compiled graph.

    Examples
    --------
    >>> import numpy
    >>> network = FeedForwardNetwork([2, 2, 2], random_state=0)
    >>> network.initialize()
    >>> X = numpy.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
    >>> history = network.train(X, [0, 1, 1, 0])
    >>> network.classify(X).tolist()
    [0, 1, 1, 0]
    """

    def __init__(self, architecture, activation="sigmoid", init="glorot", random_state=None,
                 dtype="float64"):
        super().__init__(architecture)
        self.activation = check_choice("activation", activation, LAYERS_BY_ACTIVATION)
        self.init = check_choice("init", init, INITIALIZERS)
        self.dtype = check_choice("dtype", dtype, _DTYPES)
        if not (random_state is None or isinstance(random_state, numpy.random.Generator)
                or (isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)
                    and random_state >= 0)):
            raise TypeError(
                f"Received an invalid value for `random_state`, expected None, a "
                f"non-negative integer or a numpy.random.Generator. "
                f"Received: random_state={random_state!r}"
            )
        self.random_state = random_state
        self.generator = None

    def initialize(self):
        """Build the layers and the backend: draw the weights and compile.

        Calling it again starts over from new initial weights (the same ones when
        ``random_state`` is an integer).
        """
        hidden_layer = LAYERS_BY_ACTIVATION[self.activation]
        layers = [InputLayer(units=self.architecture[0])]
        for units in self.architecture[1:-1]:
            layers.append(hidden_layer(units=units))
        layers.append(SoftmaxLayer(units=self.architecture[-1]))
        self.layers = layers
        self.generator = numpy.random.default_rng(self.random_state)
        self.backend = NetworkBackend(self)

    def _require_backend(self, method):
        if self.backend is None:
            raise NotInitializedError(
                f"`{method}` was called before `initialize()`: call network.initialize() "
                f"first to build the layers and compile the network."
            )

    def predict(self, inputs):
        """Return the softmax output, shape ``(n_samples, architecture[-1])``.

        Parameters
        ----------
        inputs : array-like (n_samples, architecture[0])
        """
        self._require_backend("predict")
        inputs = check_inputs(inputs, self.architecture[0], self.dtype, name="inputs")
        return self.backend.activate(inputs)

    def classify(self, inputs):
        """Return the most probable class (an integer in ``[0, architecture[-1])``) per row."""
        return numpy.argmax(self.predict(inputs), axis=1)

    def train(self, X, y, alpha=0.5, reg_lambda=0.0001, epochs=10000, momentum=0.9, *,
              target_cost=0.01, tol=1e-4, patience=500, restarts=20, verbose=False):
        """Train by full-batch gradient descent with the seed's momentum rule.

        Parameters
        ----------
        X : array-like (n_samples, architecture[0])
            Inputs; finite numbers.
        y : array-like (n_samples, architecture[-1]) or (n_samples,)
            One-hot rows (as in the seed) or integer labels in ``[0, architecture[-1])``.
        alpha : float, default 0.5
            Learning rate, positive.
        reg_lambda : float, default 0.0001
            Weight of the L2 term ``sum(W**2) + sum(b**2)`` in the cost.
        epochs : int, default 10000
            Most epochs per attempt.
        momentum : float in [0, 1), default 0.9
            The seed's rule: ``rate = alpha * grad + momentum * prev_rate``.
        target_cost : float, default 0.01
            Stop when the cross-entropy (without the L2 term) reaches it.
        tol : float, default 1e-4
            Relative improvement of the cross-entropy that counts as progress.
        patience : int, default 500
            Epochs without progress that make a plateau.
        restarts : int, default 20
            Re-initialisations allowed after a plateau above ``target_cost``.
        verbose : bool, default False
            Print progress about once a second.

        Returns
        -------
        History
            Losses per epoch, epochs, restarts, why training stopped, whether it
            ended at chance level.

        Raises
        ------
        DivergenceError
            When the cost becomes NaN or infinite (the last finite weights are
            restored first).
        """
        self._require_backend("train")
        settings = training.TrainingSettings(
            alpha=check_number("alpha", alpha, minimum=0, include_minimum=False),
            reg_lambda=check_number("reg_lambda", reg_lambda, minimum=0),
            epochs=check_number("epochs", epochs, minimum=0, integer=True),
            momentum=check_number("momentum", momentum, minimum=0, maximum=1, include_maximum=False),
            target_cost=check_number("target_cost", target_cost, minimum=0),
            tol=check_number("tol", tol, minimum=0, maximum=1),
            patience=check_number("patience", patience, minimum=1, integer=True),
            restarts=check_number("restarts", restarts, minimum=0, integer=True),
            verbose=bool(verbose),
        )
        inputs = check_inputs(X, self.architecture[0], self.dtype)
        targets = check_targets(y, inputs.shape[0], self.architecture[-1], self.dtype)
        return training.train(self.backend, inputs, targets, settings, self.generator)
