"""What ``MLPClassifier`` and ``MLPRegressor`` share: scikit-learn's parameters, their
validation, the fit / partial_fit driver, ``n_init``, the early-stopping split or
``X_val``, the verbose lines and the fitted attributes.

A subclass says what differs: how targets are checked and encoded
(``_check_training_data``, ``_validation_targets``, ``_decoded_targets``), the output layer (``_output``), how
the early-stopping split is stratified (``_stratify``) and what it predicts.
"""

import math
import warnings
from types import SimpleNamespace

import numpy
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils.optimize import _check_optimize_result
from sklearn.utils.validation import _check_sample_weight, _is_fitted

from mlp.errors import DivergenceError
from mlp.network import FeedForwardNetwork
from mlp.runtime.padded_data import padded_matrix
from mlp.sklearn.callbacks import EpochCallbacks
from mlp.sklearn.compat import CallbackSupportMixin, validate_data, with_callbacks
from mlp.sklearn.initialization import initialize_as_scikit_learn, split_random_state
from mlp.sklearn.inputs import dense, naming
from mlp.sklearn.parameters import (
    ACTIVATIONS,
    STOCHASTIC_SOLVERS,
    MultilayerPerceptronParameters,
)
from mlp.sklearn.results import kept_score, print_stop, store_results
from mlp.sklearn.scoring import ValidationScorer, check_scoring_parameter
from mlp.sklearn.seeds import seeds
from mlp.sklearn.settings import data_for, rows_per_step, settings_for
from mlp.sklearn.state import unchanged_on_error
from mlp.training.loop import train

__all__ = ["BaseMultilayerPerceptron", "NON_FINITE_MESSAGE"]

# scikit-learn's words when its weights become non-finite: its tests and users match on
# them; mlp's diagnosis follows.
NON_FINITE_MESSAGE = ("Solver produced non-finite parameter weights. The input data may contain "
                      "large values and need to be preprocessed.")


class BaseMultilayerPerceptron(MultilayerPerceptronParameters, CallbackSupportMixin, BaseEstimator):
    """Base of mlp's scikit-learn estimators; not for direct use (see ``MLPClassifier``
    and ``MLPRegressor``, whose docstrings describe the parameters)."""

    # Beyond scikit-learn's parameters, set by a wrapping estimator (mlp.tabular) on its
    # inner model, so that the drop-ins train as scikit-learn's: the share of a uniform
    # target mixed into each class's (label smoothing), and a learning-rate schedule of
    # ``network.train`` for Adam (None: constant, as scikit-learn's), and whether early
    # stopping keeps the mean of the weights around the best epoch.
    _label_smoothing = 0.0
    _schedule = None
    _average_around_best = False

    # ------------------------------------------------------------------ fitting
    @with_callbacks
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None, sample_weight_val=None):
        """Train on ``X`` and the targets ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} (n_samples, n_features)
        y : array-like (n_samples,) or (n_samples, n_outputs)
            Class labels (classifier) or real-valued targets (regressor).
        sample_weight : array-like (n_samples,), optional
            Weight of each row in the training loss.
        X_val, y_val : array-like, optional
            A validation set of your own (HistGradientBoosting's names): early
            stopping and ``validation_scores_`` use it instead of holding out
            ``validation_fraction`` of ``X``. Requires ``early_stopping=True`` and a
            stochastic solver (a ValueError otherwise, as HistGradientBoosting's).
        sample_weight_val : array-like (n_val,), optional
            Weight of each row of ``X_val`` in the validation score (scikit-learn
            weights the score of its own split so, with the held-out rows' weights).

        Returns
        -------
        self
        """
        with unchanged_on_error(self):
            validation = self._check_validation_arguments(X_val, y_val, sample_weight_val)
            return self._fit(X, y, sample_weight, incremental=False, validation=validation)

    def _check_solver(self):
        if self.solver not in STOCHASTIC_SOLVERS:
            raise AttributeError(
                f"partial_fit is only available for stochastic optimizers. "
                f"{self.solver} is not stochastic."
            )
        return True

    def _partial_fit(self, X, y, sample_weight, first_call):
        """One epoch on ``X`` and ``y``; ``first_call(self)`` says whether it starts a
        new model (the classifier also sets ``classes_`` there)."""
        if _is_fitted(self):
            # scikit-learn's _fit_context skips validation for a fitted model's
            # partial_fit; set_params may have changed a parameter since the last fit.
            self._validate_params()
        if self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        with unchanged_on_error(self):
            if first_call(self):
                # A new model: forget any previous fit but what first_call just set.
                self.__dict__.pop("coefs_", None)
            return self._fit(X, y, sample_weight, incremental=True, validation=None)

    def _check_validation_arguments(self, X_val, y_val, sample_weight_val):
        """``(X_val, y_val, sample_weight_val)`` or None, refused as HistGradientBoosting
        refuses them."""
        if X_val is None and y_val is None:
            if sample_weight_val is not None:
                raise ValueError("sample_weight_val is provided, but X_val and y_val were not.")
            return None
        if y_val is None:
            raise ValueError("X_val is provided, but y_val was not provided.")
        if X_val is None:
            raise ValueError("y_val is provided, but X_val was not provided.")
        if not self._uses_early_stopping():
            raise ValueError(
                f"X_val and y_val are passed to fit while early stopping is off "
                f"(early_stopping={self.early_stopping!r}, solver={self.solver!r}). When "
                f"passing X_val and y_val to fit, set early_stopping=True and use solver='sgd' "
                f"or 'adam'."
            )
        return X_val, y_val, sample_weight_val

    def _fit(self, X, y, sample_weight, incremental, validation):
        hidden = self._hidden_layer_sizes()
        check_scoring_parameter(self)
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X, y, targets = self._check_training_data(X, y, first_pass, incremental)
        weights = self._sample_weights(X, y, sample_weight)
        architecture = [X.shape[1], *hidden, self._n_outputs(targets)]
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
        if validation is not None:
            training = (self._training_matrix(X, dtype), targets, weights)
            validation = self._validation_set(*validation, dtype)
        else:
            theirs = [*architecture[:-1], self._scikit_learn_outputs(architecture[-1])]
            training, validation = self._split(X, dtype, targets, weights, incremental, theirs)
        scorer = ValidationScorer(self, validation) if validation is not None else None
        n_init = self.n_init if network is None else 1
        epochs = 1 if incremental else int(self.max_iter)
        with EpochCallbacks(self, X, y, sample_weight, n_init, epochs) as callbacks:
            if network is None:
                network, history = self._train_best_of(architecture, dtype, training, scorer,
                                                       incremental, callbacks)
            else:
                history = self._train(network, training, scorer, incremental, callbacks)
            self._network = network
            n_training_rows = training[0][1]
            store_results(self, network, history, first_pass, incremental, n_training_rows, scorer)
        self._warn_if_not_converged(history, incremental)
        return self

    def _validation_set(self, X_val, y_val, sample_weight_val, dtype):
        """``X_val``, ``y_val`` and ``sample_weight_val`` checked as ``X``, ``y`` and
        ``sample_weight`` are, each error naming it."""
        X_val = naming("X_val", validate_data, self, X_val, accept_sparse=["csr", "csc"],
                       dtype=(numpy.float64, numpy.float32), reset=False)
        targets = self._validation_targets(y_val, X_val.shape[0])
        weights = None
        if sample_weight_val is not None:
            weights = naming("sample_weight_val", _check_sample_weight, sample_weight_val, X_val,
                             dtype=numpy.float64)
        return dense(X_val, dtype, name="X_val"), targets, weights

    def _network_dtype(self, X):
        """``dtype``, or with None the validated input's: float32 stays float32."""
        if self.dtype is not None:
            return self.dtype
        return "float32" if X.dtype == numpy.float32 else "float64"

    def _sample_weights(self, X, y, sample_weight):
        """Row weights, or None for equal ones."""
        if sample_weight is None:
            return None
        return _check_sample_weight(sample_weight, X, dtype=numpy.float64)

    def _split(self, X, dtype, targets, weights, incremental, scikit_learn_architecture):
        """``((matrix, n), targets, weights)`` to train on and, with early stopping, the
        held-out ``(X_val, targets_val, weights_val)``, split as scikit-learn splits them.

        The training rows are copied once, from ``X`` straight into the network's
        padded matrix (:func:`mlp.runtime.padded_data.padded_matrix`, which returns it
        and its row count ``n``): the split is made on row numbers, not on copies of
        ``X``."""
        if not self._uses_early_stopping() or incremental:
            return (self._training_matrix(X, dtype), targets, weights), None
        # train_test_split draws the same rows for row numbers as for the arrays, from
        # the random state scikit-learn's split draws from.
        random_state = split_random_state(self.random_state, scikit_learn_architecture)
        training_rows, validation_rows = train_test_split(
            numpy.arange(X.shape[0]), random_state=random_state,
            test_size=self.validation_fraction, stratify=self._stratify(targets))
        if validation_rows.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        training = (self._training_matrix(X, dtype, training_rows), targets[training_rows],
                    None if weights is None else weights[training_rows])
        X_val, n_val = padded_matrix(X, dtype, rows=validation_rows)
        # The held-out rows keep their weights: scikit-learn weights the validation score.
        return training, (X_val[:n_val, :X.shape[1]], targets[validation_rows],
                          None if weights is None else weights[validation_rows])

    def _training_matrix(self, X, dtype, rows=None):
        """The padded training matrix of ``X``'s ``rows`` (all by default), given
        spare zero rows when training takes minibatches (mlp.runtime.shapes)."""
        count = X.shape[0] if rows is None else len(rows)
        minibatches = self.solver != "lbfgs" and rows_per_step(self, count) < count
        return padded_matrix(X, dtype, rows=rows, minibatches=minibatches)

    def _stratify(self, targets):
        return None

    def _scikit_learn_outputs(self, n_outputs):
        """The outputs of scikit-learn's network where this one has ``n_outputs``."""
        return n_outputs

    def _uses_early_stopping(self):
        return self.early_stopping and self.solver in STOCHASTIC_SOLVERS

    def _new_network(self, architecture, seed, dtype):
        options = {"dropout": float(self.dropout)} if self.dropout else {}
        network = FeedForwardNetwork(architecture, activation=ACTIVATIONS[self.activation],
                                     random_state=seed, dtype=dtype, regularize_bias=False,
                                     output=self._output(), **options)
        network.initialize()
        return network

    def _train_best_of(self, architecture, dtype, training, scorer, incremental, callbacks):
        """Train ``n_init`` networks from different seeds (on the same validation set);
        return the best and its history. A first ``partial_fit`` trains each one epoch."""
        best = None
        for seed in seeds(self.random_state, self.n_init):
            network = self._new_network(architecture, seed, dtype)
            initialize_as_scikit_learn(network, self.activation, seed)
            history = self._train(network, training, scorer, incremental, callbacks)
            if scorer is not None:
                # A higher validation score is better; negate to compare as a loss.
                score = -kept_score(scorer.scores(history), history)
            else:
                score = history.total_loss[-1] if history.total_loss else math.inf
            if best is None or score < best[0]:
                best = (score, network, history)
        return best[1], best[2]

    def _train(self, network, training, scorer, incremental, callbacks):
        """One training call of ``network``, on the validated arrays and the parameters
        mapped onto its settings; a divergence is reported in this estimator's terms (the
        network's ``alpha`` is the learning rate, here ``learning_rate_init``; here
        ``alpha`` is the L2 penalty)."""
        (matrix, n_samples), targets, weights = training
        tasks = callbacks.epoch_tasks(network)
        settings = settings_for(self, network, n_samples=n_samples, weights=weights,
                                incremental=incremental, scorer=scorer, callback=tasks)
        data = data_for(network, training, scorer, label_smoothing=self._label_smoothing)
        try:
            history = train(network.backend, data, settings, network.generator)
        except DivergenceError as error:
            largest = float(numpy.abs(matrix[:n_samples]).max()) if n_samples else 0.0
            raise DivergenceError(
                f"{NON_FINITE_MESSAGE} The cost became {error.cost} at epoch {error.epoch}; the "
                f"model was left as it was before fit. Try a smaller learning rate (learning_rate_init="
                f"{self.learning_rate_init!r}) or L2 penalty (alpha={self.alpha!r}), or scale X "
                f"(its largest magnitude is {largest:g}).",
                epoch=error.epoch, cost=error.cost,
            ) from error
        if tasks is not None:
            tasks.finish()
        if self.verbose and self.solver in STOCHASTIC_SOLVERS:
            print_stop(self, history)
        return history

    def _warn_if_not_converged(self, history, incremental):
        """scikit-learn's ConvergenceWarning, in its words, when a limit stopped training."""
        if self.solver == "lbfgs":
            if history.optimizer_result is not None and history.stopped not in ("target", "interrupted"):
                # scikit-learn's own check of SciPy's result: it warns unless SciPy
                # converged, naming the status and SciPy's message.
                _check_optimize_result("lbfgs", SimpleNamespace(**history.optimizer_result),
                                       self.max_iter)
        elif history.stopped == "diverged":
            validation_epoch = history.best_epoch
            warnings.warn(
                f"The training loss became {history.loss[-1]} at epoch {history.epochs}; "
                f"training stopped there and kept the weights of the best validation epoch "
                f"({validation_epoch}). Try a smaller learning rate (learning_rate_init="
                f"{self.learning_rate_init!r}) or scale X.",
                ConvergenceWarning,
                stacklevel=4,
            )
        elif history.stopped == "epochs" and not incremental:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                f"optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=4,
            )

    # --------------------------------------------------------------- predicting
    def _forward(self, X):
        """The network's outputs for ``X``, validated as scikit-learn validates it."""
        X = naming("X", validate_data, self, X, accept_sparse=["csr", "csc"],
                   dtype=(numpy.float64, numpy.float32), reset=False)
        network = self._get_network()
        return network.predict(dense(X, network.dtype))

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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
