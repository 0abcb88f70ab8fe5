"""The constructor parameters that ``MLPClassifier`` and ``MLPRegressor`` share:
scikit-learn's MLP parameters, with their declared constraints, and mlp's own, and
the checks that need more than a declared constraint."""

import numbers

import numpy
from sklearn.utils._param_validation import Interval, InvalidParameterError, Options, StrOptions

__all__ = ["ACTIVATIONS", "STOCHASTIC_SOLVERS", "MultilayerPerceptronParameters"]

# scikit-learn's activation names -> the network's; the last four are ours.
ACTIVATIONS = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu",
               "leaky_relu": "leaky_relu", "elu": "elu", "gelu": "gelu", "silu": "silu"}
STOCHASTIC_SOLVERS = ("sgd", "adam")


class MultilayerPerceptronParameters:
    """Stores the shared parameters and declares their constraints (scikit-learn's
    ``_parameter_constraints``); each estimator's ``__init__`` lists them with their
    defaults, as scikit-learn requires. ``fit`` checks the rest: the hidden layer
    sizes, and the numbers that must fit in the network's dtype."""

    _parameter_constraints: dict = {
        # Copied from scikit-learn's BaseMultilayerPerceptron (a private class whose
        # contents may move); momentum excludes 1, which the network refuses.
        "hidden_layer_sizes": ["array-like", Interval(numbers.Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(numbers.Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(numbers.Real, 0, None, closed="neither")],
        "power_t": [Interval(numbers.Real, 0, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(numbers.Real, 0, 1, closed="left")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="left")],
        "beta_1": [Interval(numbers.Real, 0, 1, closed="left")],
        "beta_2": [Interval(numbers.Real, 0, 1, closed="left")],
        "epsilon": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(numbers.Integral, 1, None, closed="left"),
            Options(numbers.Real, {numpy.inf}),
        ],
        "max_fun": [Interval(numbers.Integral, 1, None, closed="left")],
        # Ours.
        "n_init": [Interval(numbers.Integral, 1, None, closed="left")],
        "dtype": [StrOptions({"float32", "float64"}), None],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "clip_norm": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "scoring": [str, callable, None],
    }

    def __init__(self, hidden_layer_sizes, activation, *, solver, alpha, batch_size,
                 learning_rate, learning_rate_init, power_t, max_iter, shuffle, random_state,
                 tol, verbose, warm_start, momentum, nesterovs_momentum, early_stopping,
                 validation_fraction, beta_1, beta_2, epsilon, n_iter_no_change, max_fun,
                 n_init, dtype, dropout, clip_norm, scoring):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.n_init = n_init
        self.dtype = dtype
        self.dropout = dropout
        self.clip_norm = clip_norm
        self.scoring = scoring

    def _hidden_layer_sizes(self):
        """``hidden_layer_sizes`` as a list of positive ints (a single int is one layer)."""
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        for size in sizes:
            if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
                raise InvalidParameterError(
                    f"The 'hidden_layer_sizes' parameter of {type(self).__name__} must be a "
                    f"positive int or an array-like of positive ints. Got "
                    f"{self.hidden_layer_sizes!r} instead."
                )
        return [int(size) for size in sizes]

    def _check_range_of_parameters(self, dtype):
        """Refuse a learning rate, L2 penalty or epsilon beyond the network's dtype
        (infinity, or 1e39 in float32): the compiled graph would get an infinity."""
        largest = float(numpy.finfo(dtype).max)
        for name in ("learning_rate_init", "alpha", "epsilon"):
            value = getattr(self, name)
            if value > largest:
                raise ValueError(
                    f"Received an invalid value for `{name}`, expected a number at most "
                    f"{largest:g} (the {dtype} network's largest). Received: {name}={value!r}"
                )
