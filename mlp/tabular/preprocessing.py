"""``TabularPreprocessor``: a table (DataFrame, array or sparse matrix with numeric,
boolean and categorical columns, missing values in any) to the matrix a network trains
on, fitted in ``fit`` and kept as fitted attributes.

- Numeric columns are centred on their median, divided by their interquartile range
  (the range, halved, when that is zero) and smoothly clipped, ``x / sqrt(1 + (x/3)^2)``,
  as RealMLP does (Holzmüller et al., 2024): heavy tails and outliers no longer
  dominate the first layer, and the order of the values is kept. A missing value
  becomes 0 (the median) and, for a column that had missing values at fit time, an
  indicator column says so.
- Booleans are 0 or 1 (missing: 0, with an indicator as above).
- Categorical columns are one-hot: one column per category seen at fit time (the
  ``max_categories`` most frequent), and one more for a missing, rarer or unseen one.
"""

import collections
import itertools

import numpy
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from mlp.tabular.columns import (
    as_columns,
    check_column,
    column_kind,
    missing_mask,
    numeric_values,
)

__all__ = ["TabularPreprocessor", "smooth_clip"]


def smooth_clip(x, bound=3.0):
    """``x / sqrt(1 + (x / bound)^2)``: about ``x`` near 0, never beyond ``bound``."""
    return x / numpy.sqrt(1.0 + (x / bound) ** 2)


class TabularPreprocessor(TransformerMixin, BaseEstimator):
    """Scale, impute and encode the columns of a table, as the tabular estimators do.

    Parameters
    ----------
    max_categories : int, default=64
        Most categories one-hot encoded per column (the most frequent); the others
        share the column of missing and unseen categories.
    clip : float, default=3.0
        Bound of the smooth clipping of the scaled numeric columns.

    Attributes
    ----------
    columns_ : list of dict
        Per input column: its ``name``, ``kind`` (``"numeric"``, ``"boolean"``,
        ``"categorical"``), and its ``center`` and ``scale``, ``indicator`` (whether a
        missing-value column follows) or ``categories``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when fitted on a DataFrame whose column names are all strings.
    n_features_out_ : int
        Columns of the transformed matrix.

    Examples
    --------
    >>> import pandas
    >>> frame = pandas.DataFrame({"size": [1.0, None, 3.0], "colour": ["red", "blue", None]})
    >>> TabularPreprocessor().fit_transform(frame).shape
    (3, 5)
    """

    def __init__(self, max_categories=64, clip=3.0):
        self.max_categories = max_categories
        self.clip = clip

    def fit(self, X, y=None):
        """Learn each column's kind, scale and categories from ``X``.

        Parameters
        ----------
        X : pandas.DataFrame, array-like or sparse matrix (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        if not isinstance(self.max_categories, int) or self.max_categories < 1:
            raise ValueError(f"`max_categories` must be a positive integer. Received: "
                             f"max_categories={self.max_categories!r}")
        if not isinstance(self.clip, (int, float)) or not self.clip > 0:
            raise ValueError(f"`clip` must be a positive number. Received: clip={self.clip!r}")
        names, columns, from_frame = as_columns(X)
        specs = [self._fit_column(name, column) for name, column in zip(names, columns)]
        self.columns_ = specs
        self.n_features_in_ = len(names)
        self.__dict__.pop("feature_names_in_", None)
        if from_frame and all(isinstance(name, str) for name in names):
            self.feature_names_in_ = numpy.asarray(names, dtype=object)
        self.n_features_out_ = sum(_width(spec) for spec in specs)
        return self

    def _fit_column(self, name, column):
        kind = _kind(name, column)
        if kind == "categorical":
            check_column(name, column, fitting=True)
            return {"name": _plain(name), "kind": kind,
                    "categories": _frequent_categories(column, self.max_categories)}
        values = _float_values(name, column, kind)
        missing = numpy.isnan(values)
        if missing.all():
            raise ValueError(f"Input X column {name!r} has only missing values; drop it before "
                             f"fitting.")
        spec = {"name": _plain(name), "kind": kind, "indicator": bool(missing.any())}
        if kind == "numeric":
            spec["center"], spec["scale"] = _robust_scale(values[~missing])
        return spec

    def transform(self, X):
        """The matrix a network trains on: one float64 row per row of ``X``.

        Parameters
        ----------
        X : pandas.DataFrame, array-like or sparse matrix (n_samples, n_features_in_)

        Returns
        -------
        ndarray (n_samples, n_features_out_)
        """
        check_is_fitted(self)
        names, columns, from_frame = as_columns(X)
        self._check_names(names, from_frame)
        parts = []
        for spec, name, column in zip(self.columns_, names, columns):
            parts.extend(self._transform_column(spec, name, column))
        return numpy.ascontiguousarray(numpy.column_stack(parts), dtype=numpy.float64)

    def _check_names(self, names, from_frame):
        if len(names) != self.n_features_in_:
            raise ValueError(f"X has {len(names)} features, but {type(self).__name__} is expecting "
                             f"{self.n_features_in_} features as input.")
        fitted = getattr(self, "feature_names_in_", None)
        if fitted is not None and from_frame and list(fitted) != list(names):
            raise ValueError(
                f"The feature names should match those that were passed during fit. Fitted with "
                f"{list(fitted)}; received {list(names)}.")

    def _transform_column(self, spec, name, column):
        if spec["kind"] == "categorical":
            check_column(name, column, fitting=False)
            return [_one_hot(column, spec["categories"])]
        kind = "numeric" if spec["kind"] == "numeric" else _kind(name, column)
        values = _float_values(name, column, kind)
        missing = numpy.isnan(values)
        if spec["kind"] == "numeric":
            values = smooth_clip((values - spec["center"]) * spec["scale"], self.clip)
        values = numpy.where(missing, 0.0, values)
        return [values, missing.astype(numpy.float64)] if spec["indicator"] else [values]


def _kind(name, column):
    try:
        return column_kind(column)
    except ValueError as error:
        raise ValueError(f"Input X column {name!r}: {error}") from error


def _float_values(name, column, kind):
    if kind == "categorical":
        raise TypeError(f"Input X column {name!r} was numeric or boolean at fit time; it now "
                        f"holds categories.")
    return numeric_values(name, column)


def _plain(value):
    """A column name or category as a plain Python value (NumPy scalars unwrapped)."""
    return value.item() if isinstance(value, numpy.generic) else value


def _robust_scale(values):
    """``(median, 1 / spread)``: the spread is the interquartile range, or half the
    range when the quartiles coincide, or 1 for a constant column."""
    lower, center, upper = numpy.quantile(values, [0.25, 0.5, 0.75])
    spread = upper - lower
    if spread <= 0:
        spread = (values.max() - values.min()) / 2
    return float(center), float(1.0 / spread) if spread > 0 else 1.0


def _frequent_categories(column, max_categories):
    """The ``max_categories`` most frequent categories, most frequent first (ties in the
    order of first appearance)."""
    values = [value for value, missing in zip(_category_values(column), missing_mask(column))
              if not missing]
    # A Counter keeps the order of first appearance, most_common sorts stably.
    counts = collections.Counter(values)
    return [_plain(value) for value, _ in counts.most_common(max_categories)]


def _category_values(column):
    values = column.tolist() if hasattr(column, "tolist") else list(column)
    return [_plain(value) for value in values] if any(
        issubclass(kind, numpy.generic) for kind in set(map(type, values))) else values


def _one_hot(column, categories):
    """One column per category and a last one for anything else (missing, unseen)."""
    index = {category: position for position, category in enumerate(categories)}
    values = _category_values(column)
    other = len(categories)
    codes = numpy.fromiter(map(index.get, values, itertools.repeat(other)), dtype=numpy.intp,
                           count=len(values))
    codes[missing_mask(column)] = other
    encoded = numpy.zeros((len(values), len(categories) + 1))
    encoded[numpy.arange(len(values)), codes] = 1.0
    return encoded


def _width(spec):
    if spec["kind"] == "categorical":
        return len(spec["categories"]) + 1
    return 2 if spec["indicator"] else 1
