"""A row's prediction does not depend on where it stands among the rows predicted.

scikit-learn's check_methods_sample_order_invariance asks this to 1e-7 relative, which
float32 meets only bitwise: the matrix product must take every row by the same path.
"""

import numpy
import pytest

import mlp
from mlp.runtime.padded_data import padded_rows, prediction_rows


@pytest.mark.parametrize("count", [1, 5, 16, 20, 29, 100, 1000, 5000])
def test_prediction_rows_are_whole_blocks_of_padded_rows(count):
    rows = prediction_rows(count)
    assert rows >= padded_rows(count) >= count
    assert rows % 16 == 0
    assert rows - padded_rows(count) < 16


@pytest.mark.parametrize("n_rows", [20, 29])
@pytest.mark.parametrize("estimator", [mlp.MLPRegressor, mlp.TabularRegressor])
def test_float32_predictions_do_not_depend_on_row_order(estimator, n_rows):
    generator = numpy.random.RandomState(0)
    X = 3 * generator.uniform(size=(n_rows, 3))
    y = X[:, 0] + numpy.sin(X[:, 1])
    model = estimator(hidden_layer_sizes=(32,), max_iter=20, random_state=1,
                      dtype="float32").fit(X, y)
    predictions = model.predict(X)
    for _ in range(30):
        order = generator.permutation(n_rows)
        numpy.testing.assert_array_equal(model.predict(X[order]), predictions[order])
