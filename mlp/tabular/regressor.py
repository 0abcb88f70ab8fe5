"""``TabularRegressor``: a regressor for tables whose defaults are the product, its
targets standardised inside ``fit`` (so that a target on a scale of 1e4 fits as well as
one on a scale of 1)."""

from sklearn.base import RegressorMixin
from sklearn.utils import column_or_1d

from mlp.sklearn.regressor import MLPRegressor
from mlp.tabular.base import BaseTabular
from mlp.tabular.targets import checked_targets

__all__ = ["TabularRegressor"]


class TabularRegressor(RegressorMixin, BaseTabular):
    """Multi-layer perceptron regressor for tables, good without preprocessing or tuning.

    ``fit`` learns the preprocessing of the table (:class:`TabularPreprocessor`),
    standardises the targets (their mean and standard deviation are fitted attributes)
    and trains mlp's :class:`~mlp.MLPRegressor` on the result, with Adam on a cosine
    schedule and an L2 penalty, early stopping on a held-out share (its R^2) and the
    mean of the weights of the best epoch and its two neighbours kept;
    ``predict`` returns targets on their own scale.

    The parameters are :class:`TabularClassifier`'s but ``label_smoothing``;
    ``n_iter_no_change`` counts epochs without improvement of the validation R^2.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(256, 256, 256)
    activation : str, default="relu"
    learning_rate_init : float, default=0.001
    learning_rate_schedule : {"cosine", "constant"}, default="cosine"
    alpha : float, default=0.01
    batch_size : int or "auto", default="auto"
    max_iter : int, default=30
    validation_fraction : float, default=0.2
    n_iter_no_change : int, default=3
    dropout : float, default=0.0
    max_categories : int, default=64
    dtype : {"float32", "float64"}, default="float32"
    random_state : int, RandomState or None, default=None
    verbose : bool, default=False

    Attributes
    ----------
    preprocessor_ : TabularPreprocessor
    model_ : mlp.MLPRegressor
        Trained on the standardised targets.
    target_mean_, target_scale_ : ndarray (n_outputs,)
        What the targets were standardised with.
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When fitted on a DataFrame with string column names.

    Examples
    --------
    >>> import numpy
    >>> from mlp import TabularRegressor
    >>> X = numpy.linspace(0, 1, 200).reshape(-1, 1)
    >>> model = TabularRegressor(random_state=0).fit(X, 1e4 * X.ravel())
    >>> model.score(X, 1e4 * X.ravel()) > 0.95
    True
    """

    def _inner_class(self):
        return MLPRegressor

    def _targets(self, y, n_rows):
        y = checked_targets(y, n_rows, numeric=True)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        columns = y.reshape(n_rows, -1)
        mean = columns.mean(axis=0)
        scale = columns.std(axis=0)
        scale[scale == 0] = 1.0
        self.target_mean_, self.target_scale_ = mean, scale
        return ((columns - mean) / scale).reshape(y.shape)

    def predict(self, X):
        """Predicted targets, on their own scale.

        Parameters
        ----------
        X : pandas.DataFrame, array-like or sparse matrix (n_samples, n_features)

        Returns
        -------
        ndarray (n_samples,) or (n_samples, n_outputs)
        """
        standardised = self._predicted("predict", X)
        if standardised.ndim == 1:
            return standardised * self.target_scale_[0] + self.target_mean_[0]
        return standardised * self.target_scale_ + self.target_mean_
