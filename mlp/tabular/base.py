"""What ``TabularClassifier`` and ``TabularRegressor`` share: their parameters (the
tabular defaults), the preprocessing of the table inside ``fit``, and the network
trained by mlp's own ``MLPClassifier`` / ``MLPRegressor`` (the same compiled programs
and caches), with early stopping on a held-out share and the mean of the weights of the
best epoch and its two neighbours kept.

A subclass says what differs: the inner estimator (``_inner_class``), how targets are
checked and encoded (``_targets``) and what it predicts.
"""

import numbers

import numpy
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_feature_names, check_is_fitted

from mlp.runtime import programs, shapes
from mlp.sklearn.parameters import ACTIVATIONS
from mlp.sklearn.state import unchanged_on_error
from mlp.tabular import precompile
from mlp.tabular.preprocessing import TabularPreprocessor

__all__ = ["BaseTabular"]

# Fewer held-out rows than this make the best epoch a coin toss: train without a split.
_MIN_VALIDATION_ROWS = 10
# The "auto" batch size: (fewest training rows, batch rows), largest first.
# 64 only above 64 rows: a batch of every row would take the full-batch program instead.
_AUTO_BATCH_SIZES = ((2560, 256), (65, 64), (0, 16))


class BaseTabular(BaseEstimator):
    """Base of the tabular estimators; not for direct use (see ``TabularClassifier``
    and ``TabularRegressor``, whose docstrings describe the parameters)."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(numbers.Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "learning_rate_init": [Interval(numbers.Real, 0, None, closed="neither")],
        "learning_rate_schedule": [StrOptions({"cosine", "constant"})],
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(numbers.Integral, 1, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "max_categories": [Interval(numbers.Integral, 1, None, closed="left")],
        "dtype": [StrOptions({"float32", "float64"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # Early stopping keeps the mean of the weights of the best epoch and its two
    # neighbours (mlp.training.stopping.Monitor.restore_best): on the benchmark's
    # tables, the error relative to the best model falls from 1.119 to 1.102 (seeds 0-2)
    # and from 1.080 to 1.076 (seeds 3-5) for no extra training (docs/tabular.md).
    _average_around_best = True

    def __init__(self, hidden_layer_sizes=(256, 256, 256), activation="relu", *,
                 learning_rate_init=0.001, learning_rate_schedule="cosine", alpha=0.01,
                 batch_size="auto", max_iter=30, validation_fraction=0.2, n_iter_no_change=3,
                 dropout=0.0, max_categories=64,
                 dtype="float32", random_state=None, verbose=False):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.learning_rate_init = learning_rate_init
        self.learning_rate_schedule = learning_rate_schedule
        self.alpha = alpha
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.dropout = dropout
        self.max_categories = max_categories
        self.dtype = dtype
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y, sample_weight=None):
        """Preprocess the table ``X`` and train the network on it and ``y``.

        Parameters
        ----------
        X : pandas.DataFrame, array-like or sparse matrix (n_samples, n_features)
            Numeric, boolean and categorical columns; missing values allowed.
        y : array-like (n_samples,) or (n_samples, n_outputs)
            Class labels (classifier) or real-valued targets (regressor), none missing.
        sample_weight : array-like (n_samples,), optional
            Weight of each row in the training loss.

        Returns
        -------
        self
        """
        self._validate_params()
        with unchanged_on_error(self):
            for name in ("model_", "preprocessor_", "feature_names_in_"):
                self.__dict__.pop(name, None)
            _check_feature_names(self, X, reset=True)
            preprocessor = TabularPreprocessor(max_categories=self.max_categories).fit(X)
            matrix = preprocessor.transform(X)
            if y is None:
                raise ValueError(f"This {type(self).__name__} estimator requires y to be passed, "
                                 f"but the target y is None.")
            targets = self._targets(y, matrix.shape[0])
            model = self._inner_class()(**self._inner_parameters(targets))
            model._label_smoothing = getattr(self, "label_smoothing", 0.0)
            model._schedule = self.learning_rate_schedule
            model._average_around_best = self._average_around_best
            compiles = programs.counts()["compiles"]
            # Wide buckets: a new table most often reuses a program compiled for an
            # earlier one (mlp.runtime.shapes); the network keeps them when predicting.
            with shapes.coarse_shapes():
                model.fit(matrix, targets, sample_weight=sample_weight)
            # The programs of other tables' shapes, compiled ahead in the background.
            precompile.start_after_compiling(compiles, matrix.shape[1])
            self.preprocessor_ = preprocessor
            self.model_ = model
            self.n_features_in_ = preprocessor.n_features_in_
            self.n_iter_ = model.n_iter_
            return self

    def _inner_parameters(self, targets):
        """The inner estimator's parameters: Adam, early stopping on a held-out share
        (the weights around the best epoch kept) when there are rows enough to hold out."""
        n_rows = targets.shape[0]
        early_stopping = (n_rows * self.validation_fraction >= _MIN_VALIDATION_ROWS
                          and self._can_hold_out(targets))
        return dict(
            hidden_layer_sizes=tuple(numpy.atleast_1d(self.hidden_layer_sizes).tolist()),
            activation=self.activation, solver="adam", alpha=self.alpha,
            batch_size=self._batch_size(n_rows, early_stopping),
            learning_rate_init=self.learning_rate_init,
            max_iter=self.max_iter, early_stopping=early_stopping,
            scoring=self._early_stopping_scoring,
            validation_fraction=self.validation_fraction, n_iter_no_change=self.n_iter_no_change,
            dropout=self.dropout, dtype=self.dtype, random_state=self.random_state,
            verbose=self.verbose,
        )

    def _batch_size(self, n_rows, early_stopping):
        """Rows per step, at most the training rows: ``"auto"`` is 256 from 2,560
        training rows (an epoch of at least 10 steps), 64 below that and 16 up to 64
        rows, so that tables of different sizes share their compiled programs: two
        training programs a task cover every table of more than 64 training rows."""
        n_training = n_rows - int(numpy.ceil(n_rows * self.validation_fraction)) if early_stopping else n_rows
        n_training = max(n_training, 1)
        if self.batch_size == "auto":
            # Batches of 64 rather than 16 on tables of 65 to 639 training rows: one
            # program fewer a task and as accurate (docs/tabular.md, "Batch sizes").
            batch_size = next(size for rows, size in _AUTO_BATCH_SIZES if n_training >= rows)
            return min(batch_size, n_training)
        return min(int(self.batch_size), n_training)

    def _can_hold_out(self, targets):
        return True

    # What early stopping watches on the held-out rows (the inner estimator's
    # ``scoring``): None is scikit-learn's score (R^2 for the regressor).
    _early_stopping_scoring = None

    # --------------------------------------------------------------- predicting
    def _matrix(self, X):
        """``X`` preprocessed as at fit time, its feature names checked as
        scikit-learn checks them."""
        check_is_fitted(self)
        _check_feature_names(self, X, reset=False)
        return self.preprocessor_.transform(X)

    def _predicted(self, method, X):
        """``model_``'s ``method`` on ``X`` preprocessed, in the wide buckets of fit:
        a network rebuilt after loading then runs the programs it was fitted with."""
        matrix = self._matrix(X)
        with shapes.coarse_shapes():
            return getattr(self.model_, method)(matrix)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.sparse = True
        tags.input_tags.categorical = True
        return tags
