"""``MLPRegressor``: a drop-in for ``sklearn.neural_network.MLPRegressor`` that trains a
:class:`FeedForwardNetwork` with an identity output on half the mean squared error.

What it shares with ``MLPClassifier`` is in :mod:`mlp.sklearn.base`; here are the
real-valued targets (one or many), the identity output and R^2.
"""

import numpy
from sklearn.base import RegressorMixin, _fit_context
from sklearn.utils import column_or_1d
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _check_y, check_consistent_length, check_is_fitted

from mlp.sklearn.base import BaseMultilayerPerceptron
from mlp.sklearn.compat import validate_data, with_callbacks
from mlp.sklearn.docstrings import document_parameters
from mlp.sklearn.inputs import naming
from mlp.validation import check_non_negative

__all__ = ["MLPRegressor"]


# The docstring lists the parameters and attributes of this class alone;
# document_parameters adds those it shares with MLPClassifier (mlp.sklearn.docstrings).
@document_parameters
class MLPRegressor(RegressorMixin, BaseMultilayerPerceptron):
    """Multi-layer perceptron regressor with the parameters of scikit-learn's, trained on
    the compiled graph of a :class:`FeedForwardNetwork` (``output="identity"``).

    It minimises half the mean squared error plus scikit-learn's L2 term, as
    ``sklearn.neural_network.MLPRegressor`` does, with the same parameters, defaults
    and fitted attributes; the parameters it shares with :class:`mlp.MLPClassifier`
    (all but ``loss`` and ``class_weight``) mean the same there. What differs from
    the classifier is said below.

    Parameters
    ----------
    loss : {"squared_error", "poisson"}, default="squared_error"
        ``"poisson"``: an exponential output (``out_activation_ = "exp"``) trained on
        half the Poisson deviance, as scikit-learn's; ``y`` must be non-negative
        (a ValueError naming ``y`` otherwise) and ``predict`` returns the mean, on the
        response scale.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows (a plain shuffle, as
        scikit-learn's split for regression) or use ``fit``'s ``X_val`` and
        ``y_val``, and stop when the validation R^2 (or ``scoring``) has not risen
        by more than ``tol`` for ``n_iter_no_change + 1`` epochs; the weights of the
        best epoch are restored (as scikit-learn).
    scoring : str, callable, "loss" or None, default=None
        What early stopping and ``validation_scores_`` measure: None is R^2 (as
        scikit-learn's), ``"loss"`` the negated validation squared error (half its
        mean), otherwise a scorer name or a callable ``scorer(estimator, X, y)``.

    Attributes
    ----------
    loss_ : float
        Training loss of the last epoch: ``0.5 * mean((y - prediction) ** 2)`` plus
        the L2 term scaled as scikit-learn's.
    validation_scores_ : list of float or None
        Validation R^2 (or ``scoring``) per epoch with early stopping, else None.
    validation_loss_curve_ : list of float or None
        Validation loss (half the mean squared error) per epoch with early stopping.
    n_outputs_ : int
        Number of targets.
    out_activation_ : str
        ``"identity"``, or ``"exp"`` for ``loss="poisson"``.

    Notes
    -----
    A one-column or 1-d ``y`` predicts a 1-d array, as scikit-learn's. A ``fit`` or
    ``partial_fit`` that raises leaves the model as it was.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.preprocessing import scale
    >>> X, y = load_diabetes(return_X_y=True)
    >>> regressor = MLPRegressor((20,), solver="lbfgs", max_iter=500, random_state=0)
    >>> regressor.fit(scale(X), scale(y)).score(scale(X), scale(y)) > 0.5
    True
    """

    _parameter_constraints: dict = {
        **BaseMultilayerPerceptron._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
    }

    def __init__(self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu", *,
                 solver="adam", alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 n_init=1, dtype=None, dropout=0.0, clip_norm=None, scoring=None):
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
        self.loss = loss

    @available_if(BaseMultilayerPerceptron._check_solver)
    @with_callbacks
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Train one epoch on ``X`` and ``y``, continuing from the current weights.

        Parameters
        ----------
        X : {array-like, sparse matrix} (n_samples, n_features)
        y : array-like (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like (n_samples,), optional

        Returns
        -------
        self : MLPRegressor
        """
        return self._partial_fit(X, y, sample_weight, lambda model: not hasattr(model, "coefs_"))

    # ----------------------------------------------------------------- targets
    def _check_training_data(self, X, y, first_pass, incremental):
        """Validated X, y (1-d for one target) and the network's targets (2-d floats)."""
        X = naming("X", validate_data, self, X, accept_sparse=["csr", "csc"],
                   dtype=(numpy.float64, numpy.float32), reset=first_pass)
        if y is None:
            raise ValueError(f"This {type(self).__name__} estimator requires y to be passed, but the "
                             f"target y is None.")
        y = naming("y", _check_y, y, multi_output=True, y_numeric=True, estimator=self)
        naming("y", check_consistent_length, X, y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        targets = numpy.asarray(y, dtype=numpy.float64).reshape(len(y), -1)
        if not first_pass and targets.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {targets.shape[1]} targets but the model was fitted with "
                f"{self.n_outputs_}. Received y of shape {y.shape}"
            )
        if self.loss == "poisson":
            check_non_negative("y", y, reason="the counts of loss='poisson'")
        self.out_activation_ = "exp" if self.loss == "poisson" else "identity"
        return X, y, targets

    def _validation_targets(self, y_val, n_rows):
        """``y_val`` as the network's targets, as many columns as ``y``."""
        y_val = naming("y_val", _check_y, y_val, multi_output=True, y_numeric=True, estimator=self)
        if y_val.shape[0] != n_rows:
            raise ValueError(f"X_val has {n_rows} rows but y_val has {y_val.shape[0]}.")
        targets = numpy.asarray(y_val, dtype=numpy.float64).reshape(n_rows, -1)
        if targets.shape[1] != self._n_targets:
            raise ValueError(
                f"y_val has {targets.shape[1]} targets but y has {self._n_targets}. "
                f"Received y_val of shape {y_val.shape}"
            )
        if self.loss == "poisson":
            check_non_negative("y_val", targets, reason="the counts of loss='poisson'")
        return targets

    def _decoded_targets(self, targets):
        """``y`` as scikit-learn's scorers receive it (1-d for one target)."""
        return targets.ravel() if targets.shape[1] == 1 else targets

    def _n_outputs(self, targets):
        self._n_targets = targets.shape[1]
        return targets.shape[1]

    def _output(self):
        return "exponential" if self.loss == "poisson" else "identity"

    # --------------------------------------------------------------- predicting
    def predict(self, X):
        """Predicted targets.

        Parameters
        ----------
        X : {array-like, sparse matrix} (n_samples, n_features)

        Returns
        -------
        ndarray (n_samples,) or (n_samples, n_outputs)
            1-d when the model was fitted on one target.
        """
        check_is_fitted(self)
        predictions = self._forward(X)
        return predictions.ravel() if predictions.shape[1] == 1 else predictions
