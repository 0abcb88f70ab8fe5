"""TabularPreprocessor: every column kind, missing values, unseen categories, and bad
frames refused naming the column."""

import numpy
import pandas
import pytest

from mlp.tabular.preprocessing import TabularPreprocessor, smooth_clip


@pytest.fixture
def frame():
    return pandas.DataFrame({
        "size": [1.0, 2.0, numpy.nan, 4.0, 100.0, 3.0],
        "count": pandas.array([1, 2, 3, None, 5, 6], dtype="Int64"),
        "flag": [True, False, True, True, False, False],
        "colour": pandas.Categorical(["red", "blue", None, "red", "green", "red"]),
        "city": ["Paris", "Rome", "Paris", None, "Oslo", "Rome"],
    })


def test_smooth_clip_is_near_identity_and_bounded():
    assert smooth_clip(numpy.array([0.01]))[0] == pytest.approx(0.01, rel=1e-4)
    assert abs(smooth_clip(numpy.array([1e6]))[0]) < 3.0


def test_every_column_kind_is_encoded(frame):
    preprocessor = TabularPreprocessor().fit(frame)
    kinds = [column["kind"] for column in preprocessor.columns_]
    assert kinds == ["numeric", "numeric", "boolean", "categorical", "categorical"]
    matrix = preprocessor.transform(frame)
    # size + indicator, count + indicator, flag, colour 3 + 1, city 3 + 1
    assert matrix.shape == (6, 2 + 2 + 1 + 4 + 4) == (6, preprocessor.n_features_out_)
    assert numpy.isfinite(matrix).all()
    assert matrix[2, 1] == 1.0 and matrix[2, 0] == 0.0     # the missing size: median, flagged
    assert numpy.abs(matrix[:, 0]).max() < 3.0                # the outlier 100 is clipped
    assert matrix[:, 4].tolist() == [1, 0, 1, 1, 0, 0]        # the flag as 0/1
    numpy.testing.assert_array_equal(matrix[:, 5:9].sum(axis=1), 1.0)
    assert list(preprocessor.feature_names_in_) == list(frame.columns)


def test_unseen_and_missing_categories_share_the_last_column(frame):
    preprocessor = TabularPreprocessor().fit(frame)
    new = frame.iloc[:2].copy()
    new["city"] = ["Lima", None]
    matrix = preprocessor.transform(new)
    assert matrix[:, 9:13].tolist() == [[0, 0, 0, 1], [0, 0, 0, 1]]


def test_max_categories_keeps_the_most_frequent(frame):
    preprocessor = TabularPreprocessor(max_categories=1).fit(frame)
    assert preprocessor.columns_[3]["categories"] == ["red"]


@pytest.mark.parametrize("column, error, match", [
    ([[1, 2]] * 6, TypeError, "column 'bad' holds a value of type list"),
    ([None] * 6, ValueError, "column 'bad' has only missing values"),
    ([numpy.nan] * 6, ValueError, "column 'bad' has only missing values"),
    ([1.0, numpy.inf, 0, 0, 0, 0], ValueError, "infinity in column 'bad'"),
])
def test_bad_columns_are_refused_by_name(frame, column, error, match):
    frame["bad"] = pandas.Series(column, dtype=object if isinstance(column[0], list) else None)
    with pytest.raises(error, match=match):
        TabularPreprocessor().fit(frame)


def test_numpy_and_object_arrays_are_read():
    X = numpy.array([[1.0, "a"], [2.0, "b"], [3.0, None]], dtype=object)
    matrix = TabularPreprocessor().fit_transform(X)
    assert matrix.shape == (3, 1 + 3)
