"""The seed's front end: ``Network`` and ``FeedForwardNetwork``."""

import numbers

import numpy

from mlp.errors import DivergenceError, NotInitializedError
from mlp.graph.init import INITIALIZERS
from mlp.graph.layers import (
    LAYERS_BY_ACTIVATION,
    REGRESSION_OUTPUTS,
    ExponentialLayer,
    IdentityLayer,
    InputLayer,
    SigmoidLayer,
    SoftmaxLayer,
)
from mlp.io import network_file
from mlp.io.model_file import read_model
from mlp.runtime.backend import REG_LAMBDA, NetworkBackend
from mlp.training import loop
from mlp.training.data import network_targets, training_data
from mlp.training.rollback import unchanged_on_error
from mlp.training.settings import document_options, training_settings
from mlp.validation import (
    check_architecture,
    check_choice,
    check_inputs,
    check_number,
    check_sample_weights,
)

__all__ = ["Network", "FeedForwardNetwork"]

_OUTPUT_LAYERS = {"softmax": SoftmaxLayer, "sigmoid": SigmoidLayer, "identity": IdentityLayer,
                  "exponential": ExponentialLayer}


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
    activation : str, default "sigmoid"
        Activation of the hidden layers (the seed's is sigmoid): ``"sigmoid"``,
        ``"tanh"``, ``"relu"``, ``"identity"``, ``"leaky_relu"``, ``"elu"``, ``"gelu"`` or
        ``"silu"``. ``"leaky_relu"`` has slope 0.01 below zero, ``"elu"`` alpha 1,
        ``"gelu"`` is the exact erf form (all PyTorch's defaults), ``"silu"`` is
        ``x * sigmoid(x)``.
    init : {"glorot", "uniform"}, default "glorot"
        Initial weights: symmetric Glorot, or the seed's uniform [0, 1).
    random_state : None, int or numpy.random.Generator
        Seeds the initial weights and every restart; the same integer gives the
        same weights.
    dtype : {"float64", "float32"}, default "float64"
        Floating-point type of the parameters and the compiled graph.
    regularize_bias : bool, default True
        Whether ``reg_lambda`` penalises the biases too, as the seed's cost does.
    output : {"softmax", "sigmoid", "identity", "exponential"}, default "softmax"
        ``"softmax"``: one class per row (the seed). ``"sigmoid"``: independent labels
        (multilabel), each output a probability, trained with the binary cross-entropy;
        ``y`` is then an indicator matrix. ``"identity"``: regression, linear outputs
        trained on scikit-learn's squared error ``0.5 * mean((y - prediction) ** 2)``
        (over rows and outputs); ``y`` is then real values, ``(n_samples,)`` or
        ``(n_samples, architecture[-1])``. ``"exponential"``: Poisson regression, outputs
        ``exp(x)`` trained on half the Poisson deviance (as scikit-learn's
        ``loss="poisson"``); ``y`` is then non-negative values (counts or rates).

    dropout : float in [0, 1), default 0
        Share of every hidden layer's outputs set to zero at each training step
        (inverted dropout: the kept outputs are scaled by ``1 / (1 - dropout)``), its
        masks drawn from ``random_state``; off when predicting and for validation
        losses. 0 compiles the plain training step. Each hidden layer's rate is its
        ``dropout`` attribute (``ReLULayer(100, dropout=0.5)``). Not with
        ``optimizer="lbfgs"``.

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

    # A class default, so that a network pickled before dropout existed reads as without it.
    dropout = 0.0

    def __init__(self, architecture, activation="sigmoid", init="glorot", random_state=None,
                 dtype="float64", regularize_bias=True, output="softmax", dropout=0.0):
        super().__init__(architecture)
        self.activation = check_choice("activation", activation, LAYERS_BY_ACTIVATION)
        self.init = check_choice("init", init, INITIALIZERS)
        self.dtype = check_choice("dtype", dtype, network_file.DTYPES)
        if not (random_state is None or isinstance(random_state, numpy.random.Generator)
                or (isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)
                    and random_state >= 0)):
            raise TypeError(
                f"Received an invalid value for `random_state`, expected None, a "
                f"non-negative integer or a numpy.random.Generator. "
                f"Received: random_state={random_state!r}"
            )
        self.random_state = random_state
        self.regularize_bias = bool(regularize_bias)
        self.output = check_choice("output", output, _OUTPUT_LAYERS)
        self.dropout = check_number("dropout", dropout, minimum=0, maximum=1, include_maximum=False)
        self.generator = None

    def initialize(self):
        """Build the layers and the backend: draw the weights and compile.

        Calling it again starts over from new initial weights (the same ones when
        ``random_state`` is an integer).
        """
        hidden_layer = LAYERS_BY_ACTIVATION[self.activation]
        layers = [InputLayer(units=self.architecture[0])]
        for units in self.architecture[1:-1]:
            layers.append(hidden_layer(units=units, dropout=self.dropout))
        layers.append(_OUTPUT_LAYERS[self.output](units=self.architecture[-1]))
        self.layers = layers
        self.generator = numpy.random.default_rng(self.random_state)
        self.backend = NetworkBackend(self)

    def save(self, path):
        """Save the architecture, settings and weights to one ``.npz`` file at ``path``.

        The file holds only arrays and a JSON header (no pickle) and is written
        atomically: a crash during ``save`` leaves a previous file intact.
        """
        network_file.write_network(self, path)

    @classmethod
    def load(cls, path):
        """Load a network written by :meth:`save` (under either engine), ready to predict."""
        return network_file.network_from_contents(FeedForwardNetwork, path, *read_model(path))

    def _require_backend(self, method):
        if self.backend is None:
            raise NotInitializedError(
                f"`{method}` was called before `initialize()`: call network.initialize() "
                f"first to build the layers and compile the network."
            )

    def predict(self, inputs):
        """Return the output, shape ``(n_samples, architecture[-1])``: softmax
        probabilities, sigmoid probabilities (``output="sigmoid"``) or the predicted
        values (``output="identity"``).

        Parameters
        ----------
        inputs : array-like (n_samples, architecture[0])
            Dense and finite (a scipy.sparse matrix is refused with a TypeError that
            says to pass ``inputs.toarray()``).
        """
        self._require_backend("predict")
        inputs = check_inputs(inputs, self.architecture[0], self.dtype, name="inputs")
        return self.backend.activate(inputs)

    def classify(self, inputs):
        """Return the most probable class (an integer in ``[0, architecture[-1])``) per row;
        with ``output="sigmoid"``, the 0/1 indicator matrix of outputs above one half.

        Raises
        ------
        TypeError
            For a regression network (``output="identity"``), which has no classes.
        """
        if self.output in REGRESSION_OUTPUTS:
            raise TypeError(
                f"`classify` needs a classifier, but this network has output={self.output!r} "
                "(regression): call predict(X) for its predicted values."
            )
        probabilities = self.predict(inputs)
        if self.output == "sigmoid":
            return (probabilities > 0.5).astype(numpy.int64)
        return numpy.argmax(probabilities, axis=1)

    # The docstring lists X and y; document_options adds the options after them, from
    # mlp.training.settings, which checks them.
    @document_options
    def train(self, X, y, alpha=None, reg_lambda=REG_LAMBDA, epochs=10000, momentum=0.9, *,
              target_cost=None, tol=1e-4, tol_rule="relative", patience=None, restarts=None, verbose=False,
              batch_size=None, shuffle=True, optimizer="momentum", beta_1=0.9, beta_2=0.999,
              epsilon=1e-8, schedule="constant", schedule_factor=10.0, schedule_patience=10,
              validation_data=None, validation_fraction=None, early_stopping=None,
              min_delta=0.0, sample_weight=None, power_t=0.5, keep_optimizer_state=False,
              max_fun=None, convergence_warnings=True, callback=None, validation_score=None,
              clip_norm=None):
        """Train the network; the seed's parameters first, in the seed's order.

        Parameters
        ----------
        X : array-like (n_samples, architecture[0])
            Inputs; finite numbers.
        y : array-like (n_samples, architecture[-1]) or (n_samples,)
            One-hot rows (as in the seed) or integer labels in ``[0, architecture[-1])``;
            with ``output="identity"``, real-valued targets (a vector when
            ``architecture[-1]`` is 1).

        Returns
        -------
        History
            Losses per epoch, learning rates, seconds, the best epoch, restarts, why
            training stopped, whether it ended at chance level.

        Raises
        ------
        DivergenceError
            When the cost of the first attempt becomes NaN or infinite (the last
            finite weights are restored first). When a restart diverges, the best
            earlier attempt is kept instead: its weights and curves are those of the
            history, ``history.attempts`` ends with the diverged restart
            (``stopped="diverged"``), and a ``ConvergenceWarning`` says so.
        TypeError
            When ``X`` or ``y`` is a scipy.sparse matrix (pass ``X.toarray()``) or
            not numeric.
        ValueError
            When an argument is invalid, e.g. ``X`` holds NaN, infinity, or a value
            outside the range of the network's dtype (1e39 for float32).

        Notes
        -----
        Every error but a ``DivergenceError`` (a bad argument, a ``callback`` or
        ``validation_score`` that raises, a ``MemoryError``, a ``KeyboardInterrupt``
        raised by your own code) leaves the network as it was: its weights, optimiser state, dropout key
        and random generator. Ctrl-C is no error: training stops after the compiled call
        under way and returns the history (``stopped="interrupted"``).
        """
        self._require_backend("train")
        with unchanged_on_error(self.backend, self.generator, unless=DivergenceError):
            inputs = check_inputs(X, self.architecture[0], self.dtype)
            targets = network_targets(self, y, inputs.shape[0])
            weights = None
            if sample_weight is not None:
                weights = check_sample_weights(sample_weight, inputs.shape[0], self.dtype)
            has_validation = validation_data is not None or validation_fraction is not None
            settings = training_settings(
                self, inputs.shape[0], has_validation, alpha=alpha, reg_lambda=reg_lambda,
                epochs=epochs, momentum=momentum, target_cost=target_cost, tol=tol,
                tol_rule=tol_rule, patience=patience, restarts=restarts, verbose=verbose,
                batch_size=batch_size, shuffle=shuffle, optimizer=optimizer, beta_1=beta_1,
                beta_2=beta_2, epsilon=epsilon, schedule=schedule, schedule_factor=schedule_factor,
                schedule_patience=schedule_patience, early_stopping=early_stopping,
                min_delta=min_delta, power_t=power_t, keep_optimizer_state=keep_optimizer_state,
                max_fun=max_fun, convergence_warnings=convergence_warnings, callback=callback,
                validation_score=validation_score, clip_norm=clip_norm,
            )
            # Last, because a validation split draws from the generator.
            data = training_data(self, inputs, targets, weights, validation_data,
                                 validation_fraction)
            # Called here, not through a helper: the training loop's warnings name the
            # caller of train (stacklevel).
            return loop.train(self.backend, data, settings, self.generator)
