"""``MLPClassifier``: the scikit-learn front end, a drop-in for
``sklearn.neural_network.MLPClassifier`` that trains a :class:`FeedForwardNetwork`.

The estimator only translates: it validates its parameters and the data the
scikit-learn way, encodes the labels, maps the parameters onto
``FeedForwardNetwork.train`` and copies the trained weights back into scikit-learn's
fitted attributes (``coefs_``, ``intercepts_``, ``loss_curve_``, ...). It builds no
graph; the network's backend compiles once per architecture depth and activation.
"""

import contextlib
import math
import numbers
import re
import warnings
from types import SimpleNamespace

import numpy
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
)
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.optimize import _check_optimize_result
from sklearn.utils.validation import (
    _check_sample_weight,
    _check_y,
    _is_fitted,
    check_consistent_length,
    check_is_fitted,
)

from mlp.errors import DivergenceError
from mlp.network import FeedForwardNetwork
from mlp.validation import check_range

try:
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # scikit-learn < 1.6 validates through a private method

    def _validate_data(estimator, *arguments, **keywords):
        return estimator._validate_data(*arguments, **keywords)


__all__ = ["MLPClassifier"]

# scikit-learn's activation names -> the network's.
_ACTIVATIONS = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
_STOCHASTIC_SOLVERS = ("sgd", "adam")
# Upper bound of the integer seeds drawn for the networks (their generators take any
# non-negative int; this keeps them valid for numpy.random.RandomState too).
_MAX_SEED = 2**31 - 1


class MLPClassifier(ClassifierMixin, BaseEstimator):
    """Multi-layer perceptron classifier with the parameters of scikit-learn's, trained
    on the compiled graph of a :class:`FeedForwardNetwork`.

    The parameters up to ``max_fun`` are scikit-learn's, with the same names, defaults
    and constraints; see ``sklearn.neural_network.MLPClassifier``. Where the training
    differs, it is said below.

    Parameters
    ----------
    hidden_layer_sizes : array-like of int or int, default=(100,)
        Units of each hidden layer.
    activation : {"identity", "logistic", "tanh", "relu"}, default="relu"
        Activation of the hidden layers.
    solver : {"lbfgs", "sgd", "adam"}, default="adam"
        ``"sgd"`` uses Nesterov's momentum when ``nesterovs_momentum`` is true, else
        the plain momentum rule; ``"lbfgs"`` is SciPy's L-BFGS-B on the full batch.
    alpha : float >= 0, default=0.0001
        L2 penalty on the weights (not the biases), scaled as scikit-learn's:
        ``0.5 * alpha * sum(W**2) / n_rows`` where ``n_rows`` is the batch size
        (``"sgd"``, ``"adam"``) or the number of samples (``"lbfgs"``).
    batch_size : int or "auto", default="auto"
        Rows per step: ``"auto"`` is ``min(200, n_samples)``. Unused by ``"lbfgs"``.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Schedule of the ``"sgd"`` learning rate. ``"adaptive"`` divides it by 5 when
        the monitored loss has not improved for 2 epochs.
    learning_rate_init : float > 0, default=0.001
    power_t : float >= 0, default=0.5
        Exponent of the ``"invscaling"`` schedule.
    max_iter : int >= 1, default=200
        Most epochs (``"sgd"``, ``"adam"``) or iterations (``"lbfgs"``).
    shuffle : bool, default=True
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the shuffling and the validation split. With an
        integer, initialisation ``i`` of ``n_init`` uses the seed
        ``random_state + i``, so ``n_init=1, random_state=s + i`` repeats it.
    tol : float >= 0, default=1e-4
        Progress that counts, for ``"sgd"`` and ``"adam"``: as scikit-learn, a training
        loss at least ``tol`` below the best so far. With early stopping it is the
        smallest decrease of the validation cross-entropy (scikit-learn: increase of
        the validation accuracy). For ``"lbfgs"`` it sets the relative cost tolerance
        ``ftol = tol * 1e-3``.
    verbose : bool, default=False
        Print scikit-learn's lines to stdout for ``"sgd"`` and ``"adam"`` (``fit`` and
        ``partial_fit``): ``Iteration 1, loss = 0.69314718`` after every epoch (the
        loss of ``loss_curve_``), then with early stopping ``Validation score:
        0.933333``, and the line that says why training stopped, when a stopping rule
        ends it (for each of the ``n_init`` trainings). Nothing for ``"lbfgs"``
        (scikit-learn shows SciPy's output, which SciPy >= 1.15 no longer prints).
    warm_start : bool, default=False
        Continue from the weights of the previous fit (same classes required).
    momentum : float in [0, 1), default=0.9
        Momentum of ``"sgd"``. scikit-learn accepts 1, which never settles; here it
        is refused.
    nesterovs_momentum : bool, default=True
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows and stop when the validation
        cross-entropy has not improved for ``n_iter_no_change + 1`` epochs; the
        weights of the best epoch are restored. ``"sgd"``/``"adam"`` only. The split
        is scikit-learn's: ``train_test_split(..., test_size=validation_fraction,
        random_state=random_state)``, stratified (as scikit-learn 1.9 does) only for
        a binary problem, so a class with a single member raises scikit-learn's
        ValueError ("The least populated class..."); multiclass and multilabel splits
        are plain shuffles. Fewer than 2 validation rows raise a ValueError. Every
        initialisation of ``n_init`` validates on the same rows, unweighted.
    validation_fraction : float in [0, 1), default=0.1
    beta_1, beta_2 : float in [0, 1), default=0.9, 0.999
    epsilon : float > 0, default=1e-8
    n_iter_no_change : int >= 1 or numpy.inf, default=10
        Training stops after ``n_iter_no_change + 1`` epochs without progress (as in
        scikit-learn, which stops when the count exceeds it).
    max_fun : int >= 1, default=15000
        Most cost evaluations of ``"lbfgs"``, which also bound its iterations
        (``n_iter_ <= max_fun``). When it stops training, scikit-learn's
        ConvergenceWarning says so ("lbfgs failed to converge after ... (status=1):
        STOP: TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT ..."). As scikit-learn,
        ``"lbfgs"`` warns so whenever SciPy reports no convergence (``max_iter`` or
        ``max_fun`` reached, or a failed line search).
    n_init : int >= 1, default=1
        Independent trainings from different initial weights; the one with the lowest
        final training loss (with early stopping: the best validation accuracy) is
        kept.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplied into the sample weights (``"balanced"``:
        ``n_samples / (n_classes * count)``).
    dtype : {"float64", "float32"} or None, default=None
        Floating-point type of the network (parameters, compiled graph, predicted
        probabilities). None follows the training data, as scikit-learn does:
        float32 ``X`` trains float32 parameters, anything else float64. A warm start
        or ``partial_fit`` keeps the type of the first fit; ``"float32"`` or
        ``"float64"`` forces one.

    Attributes
    ----------
    classes_ : ndarray (n_classes,)
    loss_ : float
        Training loss of the last epoch, with the L2 term scaled as scikit-learn's.
    best_loss_ : float or None
        Lowest of ``loss_curve_``; None with early stopping.
    loss_curve_ : list of float
        Training loss (with the L2 term) per epoch, over all fits since the last
        fresh start (warm starts and ``partial_fit`` append to it).
    validation_loss_curve_ : list of float or None
        Validation cross-entropy per epoch with early stopping, else None.
    validation_scores_ : list of float or None
        Validation accuracy per epoch with early stopping, else None.
    best_validation_score_ : float or None
        Validation accuracy of the kept (restored) weights with early stopping. They
        are those of the lowest validation cross-entropy, which may be a slightly
        lower accuracy than ``max(validation_scores_)``.
    n_iter_ : int
        Epochs (iterations) run by the last call; for ``"lbfgs"`` at most
        ``max_iter`` and at most ``max_fun``.
    t_ : int
        Training samples seen (0 for ``"lbfgs"``, as in scikit-learn).
    coefs_ : list of ndarray
        ``coefs_[i]`` of shape ``(n_units[i], n_units[i + 1])``.
    intercepts_ : list of ndarray
        ``intercepts_[i]`` of shape ``(n_units[i + 1],)``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X has string column names.
    n_layers_ : int
    n_outputs_ : int
        Output units: the number of classes (two for a binary problem: the output is
        a softmax, where scikit-learn uses one logistic unit), or of labels (multilabel).
    out_activation_ : str
        ``"softmax"``, or ``"logistic"`` for a multilabel indicator ``y`` (independent
        sigmoid outputs, as scikit-learn's).

    Notes
    -----
    A ``fit`` or ``partial_fit`` that raises leaves the model as it was (fitted
    attributes, weights and random state), and data errors name ``X`` or ``y``.
    Sparse inputs are accepted and converted to dense arrays. A multilabel indicator
    matrix ``y`` trains independent sigmoid outputs; ``predict`` then returns the
    indicator matrix. A cost that becomes NaN or infinite raises
    :class:`mlp.DivergenceError`, a ``ValueError`` (as scikit-learn's "Solver
    produced non-finite parameter weights") and a ``FloatingPointError``.
    The network's own :class:`mlp.ConvergenceWarning` is turned off for each
    training call (no process-wide warning filter changes, so fits in several threads
    do not disturb each other); the warnings are scikit-learn's.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> classifier = MLPClassifier((10,), solver="lbfgs", random_state=0).fit(X, y)
    >>> classifier.score(X, y) > 0.9
    True
    """

    _parameter_constraints: dict = {
        # Copied from scikit-learn's BaseMultilayerPerceptron (a private class whose
        # contents may move); momentum excludes 1, which the network refuses.
        "hidden_layer_sizes": ["array-like", Interval(numbers.Integral, 1, None, closed="left")],
        "activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
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
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "dtype": [StrOptions({"float32", "float64"}), None],
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 n_init=1, class_weight=None, dtype=None):
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
        self.class_weight = class_weight
        self.dtype = dtype

    # ------------------------------------------------------------------ fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train on ``X`` and the labels ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} (n_samples, n_features)
        y : array-like (n_samples,)
            Class labels of any sortable type (integers, strings, ...).
        sample_weight : array-like (n_samples,), optional
            Weight of each row in the cross-entropy (multiplied by ``class_weight``).

        Returns
        -------
        self : MLPClassifier
        """
        with self._unchanged_on_error():
            return self._fit(X, y, sample_weight, incremental=False)

    def _check_solver(self):
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError(
                f"partial_fit is only available for stochastic optimizers. "
                f"{self.solver} is not stochastic."
            )
        return True

    @available_if(_check_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Train one epoch on ``X`` and ``y``, continuing from the current weights.

        Parameters
        ----------
        X : {array-like, sparse matrix} (n_samples, n_features)
        y : array-like (n_samples,)
        sample_weight : array-like (n_samples,), optional
        classes : array-like (n_classes,), optional
            Every class of the whole data; required on the first call.

        Returns
        -------
        self : MLPClassifier
        """
        if _is_fitted(self):
            # scikit-learn's _fit_context skips validation for a fitted model's
            # partial_fit; set_params may have changed a parameter since the last fit.
            self._validate_params()
        if self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        with self._unchanged_on_error():
            if _check_partial_fit_first_call(self, classes):
                # A new model: forget any previous fit but the classes just set.
                self.__dict__.pop("coefs_", None)
            return self._fit(X, y, sample_weight, incremental=True)

    @contextlib.contextmanager
    def _unchanged_on_error(self):
        """A refused (or failed) fit leaves the model as it was: its attributes, and the
        weights, optimiser state and random generator of a network that a warm start or
        partial_fit would have continued (the backend's values are snapshots that cost
        nothing to keep)."""
        state = dict(self.__dict__)
        network = state.get("_network")
        if network is not None:
            values = network.backend.get_values()
            generator_state = network.generator.bit_generator.state
        try:
            yield
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(state)
            if network is not None:
                network.backend.set_values(values)
                network.generator.bit_generator.state = generator_state
            raise

    def _fit(self, X, y, sample_weight, incremental):
        hidden = self._hidden_layer_sizes()
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X, y = self._validate_training_data(X, y, first_pass, incremental)
        labels = y if y.ndim == 2 else numpy.searchsorted(self.classes_, y)
        weights = self._sample_weights(X, y, sample_weight)
        architecture = [X.shape[1], *hidden, len(self.classes_)]
        network = None
        if not first_pass:
            network = self._get_network()
            if network.architecture != architecture:
                raise ValueError(
                    f"The network was fitted with layer sizes {network.architecture}; "
                    f"the data and parameters now ask for {architecture} (X with {X.shape[1]} "
                    f"columns, hidden_layer_sizes={self.hidden_layer_sizes!r}). Fit a new "
                    f"model (warm_start=False)."
                )
        dtype = self._network_dtype(X) if network is None else network.dtype
        self._check_range_of_parameters(dtype)
        training, validation = self._split(_dense(X, dtype), labels, weights, incremental)
        if network is None:
            network, history = self._train_best_of(architecture, dtype, training, validation,
                                                   incremental)
        else:
            history = self._train(network, training, validation, incremental)
        self._network = network
        self._store_results(network, history, first_pass, incremental, len(training[0]))
        self._warn_if_not_converged(history, incremental)
        return self

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

    def _network_dtype(self, X):
        """``dtype``, or with None the validated input's: float32 stays float32."""
        if self.dtype is not None:
            return self.dtype
        return "float32" if X.dtype == numpy.float32 else "float64"

    def _split(self, X, labels, weights, incremental):
        """``(X, labels, weights)`` to train on and, with early stopping, the held-out
        ``(X_val, labels_val)``, split as scikit-learn splits them."""
        if not self._uses_early_stopping() or incremental:
            return (X, labels, weights), None
        # scikit-learn stratifies only a binary problem, on its binarized y (one
        # boolean column); multiclass and multilabel splits are plain shuffles.
        binary = self._output() == "softmax" and len(self.classes_) == 2
        stratify = (labels == 1).reshape(-1, 1) if binary else None
        arrays = [X, labels] if weights is None else [X, labels, weights]
        parts = train_test_split(*arrays, random_state=check_random_state(self.random_state),
                                 test_size=self.validation_fraction, stratify=stratify)
        if parts[1].shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        # The validation rows' weights are dropped: validation scores are unweighted.
        training = (parts[0], parts[2], parts[4] if weights is not None else None)
        return training, (parts[1], parts[3])

    def _warn_if_not_converged(self, history, incremental):
        """scikit-learn's ConvergenceWarning, in its words, when a limit stopped training."""
        if self.solver == "lbfgs":
            if history.optimizer_result is not None and history.stopped not in ("target", "interrupted"):
                # scikit-learn's own check of SciPy's result: it warns unless SciPy
                # converged, naming the status and SciPy's message.
                _check_optimize_result("lbfgs", SimpleNamespace(**history.optimizer_result),
                                       self.max_iter)
        elif history.stopped == "epochs" and not incremental:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                f"optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=4,
            )

    def _hidden_layer_sizes(self):
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

    def _validate_training_data(self, X, y, first_pass, incremental):
        """Validated X (float32 or float64, maybe sparse) and labels (1-d, or a
        multilabel indicator matrix); sets or checks ``classes_``."""
        # X and y apart (as check_X_y does, in the same order), so that each message names
        # the one at fault.
        X = _naming("X", _validate_data, self, X, accept_sparse=["csr", "csc"],
                    dtype=(numpy.float64, numpy.float32), reset=first_pass)
        if y is None:
            raise ValueError(f"This {type(self).__name__} estimator requires y to be passed, but the "
                             f"target y is None.")
        y = _naming("y", _check_y, y, multi_output=True, estimator=self)
        _naming("y", check_consistent_length, X, y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        new_model = (first_pass and not incremental) or not hasattr(self, "out_activation_")
        if _naming("y", type_of_target, y) == "multilabel-indicator":
            return X, self._multilabel_targets(y, new_model)
        if new_model:
            self.out_activation_ = "softmax"
        elif self.out_activation_ == "logistic":
            raise ValueError("This model was fitted on multilabel targets; y must be an indicator matrix.")
        _naming("y", check_classification_targets, y)
        if y.ndim != 1:
            raise ValueError(f"y must be one label per row, shape (n_samples,). Received shape {y.shape}")
        if first_pass and not incremental:
            self.classes_ = unique_labels(y)
        else:
            classes = unique_labels(y)
            if self.warm_start and not incremental and set(classes) != set(self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as in the "
                    f"previous call to fit. Previously got {self.classes_}, `y` has {classes}"
                )
            if numpy.setdiff1d(classes, self.classes_).size:
                raise ValueError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has "
                    f"{self.classes_}. 'y' has {classes}."
                )
        if len(self.classes_) < 2:
            raise ValueError(
                f"`y` has only one class: {self.classes_.tolist()[0]!r}; MLPClassifier needs "
                f"samples of at least 2 classes."
            )
        return X, y

    def _multilabel_targets(self, y, first_pass):
        """Independent labels: one sigmoid output per column, classes_ = column numbers."""
        if first_pass:
            self.classes_ = numpy.arange(y.shape[1])
            self.out_activation_ = "logistic"
        elif getattr(self, "out_activation_", None) != "logistic" or y.shape[1] != len(self.classes_):
            raise ValueError(
                f"y has {y.shape[1]} label columns but the model was fitted with "
                f"{len(self.classes_)} {'labels' if self.out_activation_ == 'logistic' else 'classes'}."
            )
        return numpy.asarray(y, dtype=numpy.float64)

    def _output(self):
        return "sigmoid" if getattr(self, "out_activation_", None) == "logistic" else "softmax"

    def _sample_weights(self, X, y, sample_weight):
        """Row weights from ``sample_weight`` and ``class_weight``, or None for equal ones."""
        if sample_weight is None and self.class_weight is None:
            return None
        weights = _check_sample_weight(sample_weight, X, dtype=numpy.float64)
        if self.class_weight is not None:
            class_weights = _naming("class_weight", compute_sample_weight, self.class_weight, y)
            if not (numpy.isfinite(class_weights).all() and (class_weights >= 0).all()):
                raise ValueError(
                    f"`class_weight` must give finite, non-negative weights. "
                    f"Received: class_weight={self.class_weight!r}"
                )
            weights = weights * class_weights
        return weights

    def _seeds(self):
        """One integer seed per initialisation (consecutive for an integer random_state)."""
        if isinstance(self.random_state, numbers.Integral):
            base = int(self.random_state)
        else:
            base = int(check_random_state(self.random_state).randint(0, _MAX_SEED - self.n_init))
        return [base + i for i in range(self.n_init)]

    def _new_network(self, architecture, seed, dtype):
        network = FeedForwardNetwork(architecture, activation=_ACTIVATIONS[self.activation],
                                     random_state=seed, dtype=dtype, regularize_bias=False,
                                     output=self._output())
        network.initialize()
        return network

    def _train_best_of(self, architecture, dtype, training, validation, incremental):
        """Train ``n_init`` networks from different seeds (on the same validation split);
        return the best and its history.

        A first ``partial_fit`` (``incremental``) trains each for one epoch.
        """
        best = None
        for seed in self._seeds():
            network = self._new_network(architecture, seed, dtype)
            history = self._train(network, training, validation, incremental)
            if self._uses_early_stopping():
                # Higher validation accuracy is better; negate to compare as a loss.
                score = -_kept_accuracy(history)
            else:
                score = history.total_loss[-1] if history.total_loss else math.inf
            if best is None or score < best[0]:
                best = (score, network, history)
        return best[1], best[2]

    def _uses_early_stopping(self):
        return self.early_stopping and self.solver in _STOCHASTIC_SOLVERS

    def _train(self, network, training, validation, incremental):
        """One call to ``network.train`` with the parameters mapped onto it; a divergence
        is reported in this estimator's terms (the network's ``alpha`` is the learning
        rate, here ``learning_rate_init``; here ``alpha`` is the L2 penalty)."""
        try:
            return self._train_network(network, training, validation, incremental)
        except DivergenceError as error:
            X = training[0]
            largest = float(numpy.abs(X).max()) if X.size else 0.0
            raise DivergenceError(
                f"The cost became {error.cost} at epoch {error.epoch}; the weights from before "
                f"were restored. Try a smaller learning rate (learning_rate_init="
                f"{self.learning_rate_init!r}) or L2 penalty (alpha={self.alpha!r}), or scale X "
                f"(its largest magnitude is {largest:g}).",
                epoch=error.epoch, cost=error.cost,
            ) from error

    def _train_network(self, network, training, validation, incremental):
        """One call to ``network.train`` with the parameters mapped onto it."""
        X, labels, weights = training
        n_samples = X.shape[0]
        # scikit-learn divides the L2 term by the batch's sum of sample weights (its row
        # count without weights); the mean weight turns our row count into that sum,
        # exactly for a full batch and on average for minibatches.
        mean_weight = 1.0 if weights is None else float(numpy.mean(weights))
        # No progress bar and none of the network's own ConvergenceWarnings: this front
        # end prints and warns as scikit-learn does.
        common = dict(target_cost=0.0, tol=float(self.tol), tol_rule="absolute", restarts=0,
                      verbose=False, convergence_warnings=False, sample_weight=weights,
                      beta_1=float(self.beta_1), beta_2=float(self.beta_2), epsilon=float(self.epsilon),
                      keep_optimizer_state=incremental)
        if self.solver == "lbfgs":
            # scikit-learn's L-BFGS has no plateau or early-stopping rule: only
            # max_iter, max_fun and the optimiser's own tolerances end it. (Its
            # verbose output is SciPy's, which SciPy >= 1.15 no longer prints.)
            return network.train(X, labels, reg_lambda=self.alpha / (2 * n_samples * mean_weight),
                                 epochs=int(self.max_iter), momentum=0.0, optimizer="lbfgs",
                                 patience=int(self.max_iter) + 1, early_stopping=False,
                                 max_fun=int(self.max_fun), **common)
        batch_size = self._batch_size(n_samples)
        if self.n_iter_no_change == numpy.inf:
            patience = int(self.max_iter) + 1
        else:
            # scikit-learn stops when the count of epochs without progress *exceeds*
            # n_iter_no_change; ours when it reaches patience.
            patience = int(self.n_iter_no_change) + 1
        schedule = {}
        if self.solver == "sgd":
            optimizer = "nesterov" if self.nesterovs_momentum else "momentum"
            momentum = float(self.momentum)
            if self.learning_rate == "invscaling":
                schedule = dict(schedule="invscaling", power_t=float(self.power_t))
            elif self.learning_rate == "adaptive":
                schedule = dict(schedule="reduce_on_plateau", schedule_factor=5.0, schedule_patience=2)
        else:
            # Adam ignores learning_rate and momentum, as in scikit-learn.
            optimizer, momentum = "adam", 0.0
        history = network.train(
            X, labels, alpha=float(self.learning_rate_init),
            reg_lambda=self.alpha / (2 * batch_size * mean_weight),
            epochs=1 if incremental else int(self.max_iter), momentum=momentum, optimizer=optimizer,
            batch_size=batch_size, shuffle=bool(self.shuffle), patience=patience,
            validation_data=validation, early_stopping=validation is not None,
            min_delta=float(self.tol), callback=_print_iteration if self.verbose else None,
            **schedule, **common,
        )
        if self.verbose:
            self._print_stop(history)
        return history

    def _print_stop(self, history):
        """scikit-learn's verbose line when the stopping rule ends training."""
        if history.stopped == "plateau":
            watched = "Training loss"
        elif history.stopped == "early_stopping":
            watched = "Validation score"
        else:
            return
        print(f"{watched} did not improve more than tol={self.tol:f} for "
              f"{self.n_iter_no_change:d} consecutive epochs. Stopping.")

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is going to be clipped",
                stacklevel=5,
            )
        return int(numpy.clip(self.batch_size, 1, n_samples))

    def _store_results(self, network, history, first_pass, incremental, n_training_rows):
        """Copy the trained weights and the history into the fitted attributes."""
        self.coefs_ = [weights.T.copy() for weights in network.weights]
        self.intercepts_ = [bias.copy() for bias in network.bias]
        self.n_layers_ = len(network.architecture)
        self.n_outputs_ = network.architecture[-1]
        early_stopping = self._uses_early_stopping() and not incremental
        if first_pass:
            self.loss_curve_ = []
            self.t_ = 0
        self.loss_curve_ = self.loss_curve_ + list(history.total_loss)
        self.n_iter_ = history.epochs
        self.loss_ = history.total_loss[-1] if history.total_loss else math.nan
        if self.solver in _STOCHASTIC_SOLVERS:
            self.t_ += history.epochs * n_training_rows
        if early_stopping:
            self.validation_scores_ = list(history.validation_accuracy)
            self.validation_loss_curve_ = list(history.validation_loss)
            self.best_validation_score_ = _kept_accuracy(history)
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.validation_loss_curve_ = None
            self.best_validation_score_ = None
            self.best_loss_ = min(self.loss_curve_) if self.loss_curve_ else math.nan

    # --------------------------------------------------------------- predicting
    def predict_proba(self, X):
        """Probability of each class (columns in the order of ``classes_``).

        Parameters
        ----------
        X : {array-like, sparse matrix} (n_samples, n_features)

        Returns
        -------
        ndarray (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = _naming("X", _validate_data, self, X, accept_sparse=["csr", "csc"],
                    dtype=(numpy.float64, numpy.float32), reset=False)
        network = self._get_network()
        return network.predict(_dense(X, network.dtype))

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} (n_samples, n_features)

        Returns
        -------
        ndarray (n_samples, n_classes)
        """
        probabilities = self.predict_proba(X)
        return numpy.log(probabilities, out=probabilities)

    def predict(self, X):
        """The most probable class of each row.

        Parameters
        ----------
        X : {array-like, sparse matrix} (n_samples, n_features)

        Returns
        -------
        ndarray (n_samples,)
            Labels from ``classes_``.
        """
        check_is_fitted(self)
        probabilities = self.predict_proba(X)
        if self._output() == "sigmoid":
            return (probabilities > 0.5).astype(numpy.int64)
        return self.classes_[numpy.argmax(probabilities, axis=1)]

    # -------------------------------------------------------------- persistence
    def _get_network(self):
        """The trained network; rebuilt from ``coefs_`` and ``intercepts_`` after unpickling."""
        network = getattr(self, "_network", None)
        if network is None:
            architecture = [self.coefs_[0].shape[0]] + [coef.shape[1] for coef in self.coefs_]
            # The weights' type is the network's (dtype=None follows the training data).
            dtype = "float32" if self.coefs_[0].dtype == numpy.float32 else "float64"
            network = self._new_network(architecture, seed=0, dtype=dtype)
            for variable, coef in zip(network.backend.weights, self.coefs_):
                variable.set_value(numpy.ascontiguousarray(coef.T, dtype=network.dtype))
            for variable, intercept in zip(network.backend.bias, self.intercepts_):
                variable.set_value(numpy.asarray(intercept, dtype=network.dtype))
            self._network = network
        return network

    def __getstate__(self):
        # Compiled functions do not pickle; coefs_ and intercepts_ carry the weights.
        # A copy: scikit-learn's __getstate__ may hand back the live __dict__.
        state = dict(super().__getstate__())
        state.pop("_network", None)
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _dense(X, dtype):
    """``X`` as a C-contiguous dense array of ``dtype`` (sparse input is densified).

    A value beyond ``dtype``'s range (1e39 for a float32 network) is refused, naming
    it, rather than converted to an infinity."""
    if sparse.issparse(X):
        X = X.toarray()
    check_range("X", X, dtype)
    return numpy.ascontiguousarray(X, dtype=dtype)


def _naming(name, function, *arguments, **keywords):
    """Call ``function``; a ValueError or TypeError it raises whose message does not
    name ``name`` (scikit-learn's "Found array with 0 sample(s)...", say) is raised
    with the name in front, unchanged otherwise."""
    try:
        return function(*arguments, **keywords)
    except (ValueError, TypeError) as error:
        if len(error.args) == 1 and not re.search(rf"(?<![A-Za-z0-9_]){name}(?![A-Za-z0-9_])", str(error)):
            error.args = (f"Invalid `{name}`: {error.args[0]}",)
        raise


def _print_iteration(epoch, logs):
    """scikit-learn's verbose lines for one epoch of ``"sgd"`` or ``"adam"``."""
    print(f"Iteration {epoch}, loss = {logs['total_loss']:.8f}")
    if "validation_accuracy" in logs:
        print(f"Validation score: {logs['validation_accuracy']:f}")


def _kept_accuracy(history):
    """Validation accuracy of the weights training kept (the best epoch's)."""
    if not history.validation_accuracy:
        return -math.inf
    epoch = history.best_epoch if history.restored_best and history.best_epoch else len(
        history.validation_accuracy)
    return history.validation_accuracy[epoch - 1]
