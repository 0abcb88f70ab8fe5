"""``TabularClassifier``: a classifier for tables whose defaults are the product: a
DataFrame with numeric, boolean and categorical columns (missing values in any) goes in
as it is."""

import numbers

import numpy
from sklearn.base import ClassifierMixin
from sklearn.utils import column_or_1d
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets

from mlp.sklearn.classifier import MLPClassifier
from mlp.tabular.base import BaseTabular
from mlp.tabular.targets import checked_targets

__all__ = ["TabularClassifier"]


class TabularClassifier(ClassifierMixin, BaseTabular):
    """Multi-layer perceptron classifier for tables, good without preprocessing or tuning.

    ``fit`` learns the preprocessing of the table (:class:`TabularPreprocessor`: robust
    scaling with smooth clipping, missing-value indicators, one-hot categories with a
    column for unseen ones) and trains mlp's :class:`~mlp.MLPClassifier` on the result,
    with Adam on a cosine schedule, label smoothing and an L2 penalty, early stopping
    on the cross-entropy of a stratified held-out share, and the mean of the weights of
    the best epoch and of the epochs just before and after it kept (stochastic weight
    averaging around the best epoch: lower errors than the best epoch's alone).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(256, 256, 256)
        Units of each hidden layer.
    activation : str, default="relu"
        Hidden activation: ``"relu"``, ``"silu"``, ``"gelu"``, ``"tanh"``, ...
    learning_rate_init : float, default=0.001
        Adam's step size (at the first epoch).
    learning_rate_schedule : {"cosine", "constant"}, default="cosine"
        ``"cosine"``: after epoch ``t`` the step size is ``learning_rate_init *
        (1 + cos(pi * t / max_iter)) / 2``, down to zero at the last epoch (as
        RealMLP's schedules end, so the last epochs settle the weights).
    alpha : float, default=0.01
        L2 penalty (weight decay) on the weights, as scikit-learn's ``alpha`` (divided
        by the batch's rows).
    batch_size : int or "auto", default="auto"
        Rows per step (at most the training rows); ``"auto"`` is 256, or on a table
        of fewer than 2,560 training rows 64, and 16 up to 64 training rows.
    max_iter : int, default=30
        Most epochs (the length of the cosine schedule).
    validation_fraction : float, default=0.2
        Share of the rows held out to choose the best epoch. With fewer than 10 such
        rows (or a class of one row), training runs ``max_iter`` epochs without it.
    n_iter_no_change : int, default=3
        Epochs without improvement of the held-out rows' cross-entropy (its
        unsmoothed labels) before training stops; the mean of the weights of the
        best epoch and its two neighbours is kept.
    dropout : float, default=0.0
        Inverted dropout on every hidden layer while training.
    max_categories : int, default=64
        Most categories one-hot encoded per column; rarer ones share a column with
        missing and unseen categories.
    label_smoothing : float in [0, 1), default=0.1
        Share of a uniform target mixed into each training row's: the cross-entropy
        is lowest at a probability of ``1 - label_smoothing + label_smoothing /
        n_classes`` for the true class, so the network does not grow ever surer of
        the training rows.
    dtype : {"float32", "float64"}, default="float32"
        Precision of the network.
    random_state : int, RandomState or None, default=None
        Fixes the weights, the split and the batches: one value gives identical fits.
    verbose : bool, default=False
        Print scikit-learn's lines per epoch.

    Attributes
    ----------
    classes_ : ndarray (n_classes,)
    preprocessor_ : TabularPreprocessor
        The fitted preprocessing.
    model_ : mlp.MLPClassifier
        The fitted network's estimator.
    n_iter_ : int
        Epochs trained.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When fitted on a DataFrame with string column names.

    Examples
    --------
    >>> import pandas
    >>> from mlp import TabularClassifier
    >>> frame = pandas.DataFrame({"size": [1.0, 2.0, None, 4.0] * 10,
    ...                           "colour": ["red", "blue", "red", None] * 10})
    >>> labels = [0, 1, 0, 1] * 10
    >>> TabularClassifier(random_state=0).fit(frame, labels).predict(frame[:4]).tolist()
    [0, 1, 0, 1]
    """

    _parameter_constraints: dict = {
        **BaseTabular._parameter_constraints,
        "label_smoothing": [Interval(numbers.Real, 0, 1, closed="left")],
    }

    def __init__(self, hidden_layer_sizes=(256, 256, 256), activation="relu", *,
                 learning_rate_init=0.001, learning_rate_schedule="cosine", alpha=0.01,
                 batch_size="auto", max_iter=30, validation_fraction=0.2, n_iter_no_change=3,
                 dropout=0.0, max_categories=64,
                 label_smoothing=0.1, dtype="float32", random_state=None, verbose=False):
        super().__init__(
            hidden_layer_sizes, activation, learning_rate_init=learning_rate_init,
            learning_rate_schedule=learning_rate_schedule, alpha=alpha,
            batch_size=batch_size, max_iter=max_iter, validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change, dropout=dropout, max_categories=max_categories,
            dtype=dtype, random_state=random_state, verbose=verbose)
        self.label_smoothing = label_smoothing

    def _inner_class(self):
        return MLPClassifier

    def _targets(self, y, n_rows):
        y = checked_targets(y, n_rows, numeric=False)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        return y

    # The held-out cross-entropy moves by less than a row's worth of accuracy: on small
    # held-out sets it picks better epochs, and stops sooner (measured, docs/tabular.md).
    _early_stopping_scoring = "loss"

    def _can_hold_out(self, targets):
        # The inner split is stratified for two classes: each needs two rows.
        _, counts = numpy.unique(targets, return_counts=True)
        return len(counts) > 2 or counts.min() >= 2

    def fit(self, X, y, sample_weight=None):
        super().fit(X, y, sample_weight)
        self.classes_ = self.model_.classes_
        return self

    fit.__doc__ = BaseTabular.fit.__doc__

    def predict_proba(self, X):
        """Probability of each class (columns in the order of ``classes_``).

        Parameters
        ----------
        X : pandas.DataFrame, array-like or sparse matrix (n_samples, n_features)

        Returns
        -------
        ndarray (n_samples, n_classes)
        """
        return self._predicted("predict_proba", X)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : pandas.DataFrame, array-like or sparse matrix (n_samples, n_features)

        Returns
        -------
        ndarray (n_samples, n_classes)
        """
        return numpy.log(self.predict_proba(X))

    def predict(self, X):
        """The most probable class of each row.

        Parameters
        ----------
        X : pandas.DataFrame, array-like or sparse matrix (n_samples, n_features)

        Returns
        -------
        ndarray (n_samples,)
        """
        return self._predicted("predict", X)
