"""``MLPClassifier``: the scikit-learn front end, a drop-in for
``sklearn.neural_network.MLPClassifier`` that trains a :class:`FeedForwardNetwork`.

The estimator only translates: what it shares with ``MLPRegressor`` (parameters,
fit driver, early stopping, fitted attributes) is in :mod:`mlp.sklearn.base`; here
are the labels (encoded to ``classes_``, or a multilabel indicator matrix), the
softmax or sigmoid output, ``class_weight`` and the probabilities it predicts.
"""

import numpy
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.utils import column_or_1d
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import (
    _check_sample_weight,
    _check_y,
    check_consistent_length,
    check_is_fitted,
)

from mlp.sklearn.base import BaseMultilayerPerceptron
from mlp.sklearn.compat import validate_data, with_callbacks
from mlp.sklearn.docstrings import document_parameters
from mlp.sklearn.inputs import naming

__all__ = ["MLPClassifier"]


# The docstring lists the parameters and attributes of this class alone;
# document_parameters adds those it shares with MLPRegressor (mlp.sklearn.docstrings).
@document_parameters
class MLPClassifier(ClassifierMixin, BaseMultilayerPerceptron):
    """Multi-layer perceptron classifier with the parameters of scikit-learn's, trained
    on the compiled graph of a :class:`FeedForwardNetwork`.

    The parameters up to ``max_fun`` are scikit-learn's, with the same names, defaults
    and constraints; see ``sklearn.neural_network.MLPClassifier``. Where the training
    differs, it is said below.

    Parameters
    ----------
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows (or use ``fit``'s ``X_val`` and
        ``y_val``) and stop when the validation accuracy (or the ``scoring``
        given) has not improved for ``n_iter_no_change + 1`` epochs; the weights of
        the best epoch are restored. ``"sgd"``/``"adam"`` only. The split
        is scikit-learn's: ``train_test_split(..., test_size=validation_fraction,
        random_state=random_state)``, stratified (as scikit-learn 1.9 does) only for
        a binary problem, so a class with a single member raises scikit-learn's
        ValueError ("The least populated class..."); multiclass and multilabel splits
        are plain shuffles. Fewer than 2 validation rows raise a ValueError. Every
        initialisation of ``n_init`` validates on the same rows; their sample weights
        weight the validation score, as scikit-learn's.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplied into the sample weights (``"balanced"``:
        ``n_samples / (n_classes * count)``).
    scoring : str, callable, "loss" or None, default=None
        What early stopping and ``validation_scores_`` measure on the validation set,
        higher is better (HistGradientBoosting's ``scoring``): ``"loss"`` the negated
        validation cross-entropy, otherwise a scorer name
        (``sklearn.metrics.get_scorer_names()``) or a callable ``scorer(estimator,
        X, y)``. None is the accuracy, scikit-learn's rule.

    Attributes
    ----------
    classes_ : ndarray (n_classes,)
    loss_ : float
        Training loss of the last epoch, with the L2 term scaled as scikit-learn's.
    validation_loss_curve_ : list of float or None
        Validation cross-entropy per epoch with early stopping, else None.
    validation_scores_ : list of float or None
        Validation score (``scoring``; accuracy by default) per epoch with early
        stopping, else None.
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
    indicator matrix. A ``y`` of one class trains and predicts that class, as
    scikit-learn's. A cost that becomes NaN or infinite raises
    :class:`mlp.DivergenceError`, a ``ValueError`` whose message starts with
    scikit-learn's ("Solver produced non-finite parameter weights...") and a
    ``FloatingPointError``; with early stopping, training stops there instead, keeps
    the best validation epoch's weights, records NaN as that epoch's validation score
    and warns (a ``ConvergenceWarning``), as scikit-learn's.
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
        **BaseMultilayerPerceptron._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 n_init=1, class_weight=None, dtype=None, dropout=0.0, clip_norm=None,
                 scoring=None):
        super().__init__(
            hidden_layer_sizes, activation, solver=solver, alpha=alpha, batch_size=batch_size,
            learning_rate=learning_rate, learning_rate_init=learning_rate_init, power_t=power_t,
            max_iter=max_iter, shuffle=shuffle, random_state=random_state, tol=tol,
            verbose=verbose, warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun, n_init=n_init,
            dtype=dtype, dropout=dropout, clip_norm=clip_norm, scoring=scoring,
        )
        self.class_weight = class_weight

    @available_if(BaseMultilayerPerceptron._check_solver)
    @with_callbacks
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
        return self._partial_fit(X, y, sample_weight,
                                 lambda model: _check_partial_fit_first_call(model, classes))

    # ----------------------------------------------------------------- targets
    def _check_training_data(self, X, y, first_pass, incremental):
        """Validated X (float32 or float64, maybe sparse), labels (1-d, or a multilabel
        indicator matrix) and the network's targets; sets or checks ``classes_``."""
        # X and y apart (as check_X_y does, in the same order), so that each message names
        # the one at fault.
        X = naming("X", validate_data, self, X, accept_sparse=["csr", "csc"],
                   dtype=(numpy.float64, numpy.float32), reset=first_pass)
        if y is None:
            raise ValueError(f"This {type(self).__name__} estimator requires y to be passed, but the "
                             f"target y is None.")
        y = naming("y", _check_y, y, multi_output=True, estimator=self)
        naming("y", check_consistent_length, X, y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        new_model = (first_pass and not incremental) or not hasattr(self, "out_activation_")
        if naming("y", type_of_target, y) == "multilabel-indicator":
            targets = self._multilabel_targets(y, new_model)
            return X, targets, targets
        if new_model:
            self.out_activation_ = "softmax"
        elif self.out_activation_ == "logistic":
            raise ValueError("This model was fitted on multilabel targets; y must be an indicator matrix.")
        naming("y", check_classification_targets, y)
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
        return X, y, numpy.searchsorted(self.classes_, y)

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

    def _validation_targets(self, y_val, n_rows):
        """``y_val`` as the network's targets; labels must be among ``classes_``."""
        y_val = naming("y_val", _check_y, y_val, multi_output=True, estimator=self)
        if y_val.shape[0] != n_rows:
            raise ValueError(f"X_val has {n_rows} rows but y_val has {y_val.shape[0]}.")
        if y_val.ndim == 2 and y_val.shape[1] == 1:
            y_val = column_or_1d(y_val, warn=True)
        if self.out_activation_ == "logistic":
            if y_val.ndim != 2 or y_val.shape[1] != len(self.classes_):
                raise ValueError(
                    f"y_val must be an indicator matrix of {len(self.classes_)} label columns, as "
                    f"y. Received y_val of shape {y_val.shape}"
                )
            return numpy.asarray(y_val, dtype=numpy.float64)
        if y_val.ndim != 1:
            raise ValueError(f"y_val must be one label per row, shape (n_samples,). Received shape "
                             f"{y_val.shape}")
        unseen = numpy.setdiff1d(unique_labels(y_val), self.classes_)
        if unseen.size:
            raise ValueError(
                f"y_val has classes not in y: {unseen.tolist()}. The classes of y are "
                f"{self.classes_.tolist()}."
            )
        return numpy.searchsorted(self.classes_, y_val)

    def _decoded_targets(self, targets):
        """The labels of the network's targets (what a scorer compares predictions to)."""
        if self.out_activation_ == "logistic":
            return numpy.asarray(targets).astype(numpy.int64)
        return self.classes_[targets]

    def _n_outputs(self, targets):
        return len(self.classes_)

    def _output(self):
        return "sigmoid" if getattr(self, "out_activation_", None) == "logistic" else "softmax"

    def _scikit_learn_outputs(self, n_outputs):
        # One logistic output for one or two classes there, two softmax outputs here.
        return 1 if self._output() == "softmax" and n_outputs <= 2 else n_outputs

    def _stratify(self, targets):
        # scikit-learn stratifies only a problem of one or two classes, on its
        # binarized y (one column); multiclass and multilabel splits are plain shuffles.
        if self._output() == "softmax" and len(self.classes_) <= 2:
            return (targets == 1).reshape(-1, 1)
        return None

    def _sample_weights(self, X, y, sample_weight):
        """Row weights from ``sample_weight`` and ``class_weight``, or None for equal ones."""
        if sample_weight is None and self.class_weight is None:
            return None
        weights = _check_sample_weight(sample_weight, X, dtype=numpy.float64)
        if self.class_weight is not None:
            class_weights = naming("class_weight", compute_sample_weight, self.class_weight, y)
            if not (numpy.isfinite(class_weights).all() and (class_weights >= 0).all()):
                raise ValueError(
                    f"`class_weight` must give finite, non-negative weights. "
                    f"Received: class_weight={self.class_weight!r}"
                )
            weights = weights * class_weights
        return weights

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
        return self._forward(X)

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
