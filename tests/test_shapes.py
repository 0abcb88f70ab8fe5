"""Sizes rounded up to buckets (mlp.runtime.shapes): each padding kind trains the same
weights as the exact shapes (to rounding), tables of different shapes in one bucket
share their program, and the user sees the network's own sizes everywhere."""

import pickle

import numpy
import pytest

import mlp
from mlp import engine
from mlp.runtime import programs, shapes
from mlp.runtime.shapes import exact_shapes

bucketed = pytest.mark.skipif(engine.jax is None, reason="Theano's programs are never padded")


def _table(rows, columns, classes, seed=0):
    rng = numpy.random.default_rng(seed)
    X = rng.normal(size=(rows, columns))
    scores = X @ rng.normal(size=(columns, max(classes, 1)))
    y = scores.argmax(axis=1) if classes else scores[:, 0]
    return X, y


def _fit_both(make, X, y):
    padded = make().fit(X, y)
    with exact_shapes():
        exact = make().fit(X, y)
    return padded, exact


def _assert_same_weights(padded, exact, tolerance):
    for ours, theirs in zip(padded.coefs_ + padded.intercepts_, exact.coefs_ + exact.intercepts_):
        assert ours.shape == theirs.shape
        numpy.testing.assert_allclose(ours, theirs, rtol=tolerance, atol=tolerance)


@bucketed
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_padded_input_columns_train_the_exact_weights(solver):
    X, y = _table(300, 13, 0)
    padded, exact = _fit_both(lambda: mlp.MLPRegressor(solver=solver, max_iter=30, random_state=0), X, y)
    assert padded._get_network().backend.padded_architecture[0] == 16
    assert exact._get_network().backend.padded_architecture[0] == 13
    _assert_same_weights(padded, exact, 1e-8)
    numpy.testing.assert_allclose(padded.predict(X), exact.predict(X), rtol=1e-8, atol=1e-8)


@bucketed
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_padded_output_classes_train_the_exact_weights(solver):
    X, y = _table(400, 6, 3)
    padded, exact = _fit_both(lambda: mlp.MLPClassifier(solver=solver, max_iter=30, random_state=0), X, y)
    assert padded._get_network().backend.padded_architecture[-1] == 4
    _assert_same_weights(padded, exact, 1e-8)
    probabilities = padded.predict_proba(X)
    assert probabilities.shape == (400, 3)
    numpy.testing.assert_allclose(probabilities, exact.predict_proba(X), atol=1e-10)
    numpy.testing.assert_allclose(padded.loss_curve_, exact.loss_curve_, rtol=1e-10)


@bucketed
def test_padded_independent_labels_train_the_exact_weights():
    X, _ = _table(300, 5, 0)
    labels = (X[:, :3] > 0).astype(int)
    padded, exact = _fit_both(lambda: mlp.MLPClassifier(max_iter=20, random_state=0), X, labels)
    assert padded._get_network().backend.padded_architecture[-1] == 4
    _assert_same_weights(padded, exact, 1e-8)
    assert padded.predict(X).shape == (300, 3)


@bucketed
@pytest.mark.parametrize("rows, batch_size", [(150, "auto"), (1000, "auto"), (1000, 64)])
def test_padded_rows_train_the_exact_weights(rows, batch_size):
    # 150 rows: full-batch steps over 256 padded rows; 1000: minibatches from 4,096.
    X, y = _table(rows, 4, 2)
    padded, exact = _fit_both(
        lambda: mlp.MLPClassifier(batch_size=batch_size, max_iter=20, random_state=0), X, y)
    _assert_same_weights(padded, exact, 1e-8)


@bucketed
def test_early_stopping_dropout_and_clipping_train_the_exact_weights():
    X, y = _table(600, 11, 3)
    padded, exact = _fit_both(
        lambda: mlp.MLPClassifier(early_stopping=True, dropout=0.2, clip_norm=1.0, max_iter=15,
                                  random_state=0), X, y)
    _assert_same_weights(padded, exact, 1e-8)
    assert padded.validation_scores_ == pytest.approx(exact.validation_scores_)


@bucketed
def test_float32_padding_agrees_to_float32_rounding():
    X, y = _table(500, 9, 3)
    X = X.astype(numpy.float32)
    padded, exact = _fit_both(lambda: mlp.MLPClassifier(max_iter=20, random_state=0), X, y)
    _assert_same_weights(padded, exact, 1e-4)


@bucketed
def test_tables_of_one_bucket_share_their_program():
    mlp.MLPClassifier(max_iter=2, random_state=0).fit(*_table(700, 9, 3))
    before = programs.counts()
    # Other columns (14), classes (4) and rows (2,500): the same buckets, no compile.
    mlp.MLPClassifier(max_iter=2, random_state=0).fit(*_table(2500, 14, 4, seed=1))
    assert programs.counts()["compiles"] == before["compiles"]


def test_a_fit_is_reproducible_bit_for_bit():
    X, y = _table(500, 13, 3)
    first = mlp.MLPClassifier(max_iter=10, random_state=3).fit(X, y)
    second = mlp.MLPClassifier(max_iter=10, random_state=3).fit(X, y)
    for ours, theirs in zip(first.coefs_ + first.intercepts_, second.coefs_ + second.intercepts_):
        numpy.testing.assert_array_equal(ours, theirs)


def test_the_user_sees_the_networks_own_sizes():
    X, y = _table(300, 13, 3)
    model = mlp.MLPClassifier(hidden_layer_sizes=(7,), max_iter=5, random_state=0).fit(X, y)
    assert [coef.shape for coef in model.coefs_] == [(13, 7), (7, 3)]
    assert [bias.shape for bias in model.intercepts_] == [(7,), (3,)]
    backend = model._get_network().backend
    assert backend.weights[0].shape == (7, 13) and backend.weights[0].get_value().shape == (7, 13)
    clone = pickle.loads(pickle.dumps(model))
    numpy.testing.assert_array_equal(clone.predict_proba(X), model.predict_proba(X))
    if backend.weights[0].padded:
        with pytest.raises(ValueError, match=r"weights\[0\].*shape \(7, 13\).*\(7, 12\)"):
            backend.weights[0].set_value(numpy.zeros((7, 12)))


@bucketed
def test_the_seeds_network_pads_its_inputs_only():
    # Its L2 term covers the biases: a masked output bias would dominate it.
    network = mlp.FeedForwardNetwork([5, 4, 3], random_state=0)
    network.initialize()
    assert network.backend.padded_architecture == [8, 4, 3]
    assert [weights.shape for weights in network.weights] == [(4, 5), (3, 4)]


def test_bucket_sizes():
    if not shapes.bucketing():
        assert shapes.padded_columns(13) == 13 and shapes.padded_outputs(3, "softmax", False) == 3
        return
    counts = (1, 3, 7, 16, 17, 37, 100, 5000)
    assert [shapes.padded_columns(n) for n in counts] == [1, 4, 8, 16, 20, 40, 112, 5000]
    for n in range(17, 4097):
        assert n <= shapes.padded_columns(n) <= 1.25 * n
    assert shapes.padded_outputs(3, "softmax", False) == 4
    assert shapes.padded_outputs(3, "identity", False) == 3
    assert shapes.padded_outputs(3, "softmax", True) == 3
    assert shapes.padded_rows(456) == 512 and shapes.padded_rows(5000) == 5120
    assert shapes.training_rows(456, 30, "float64", minibatches=True) == 4096
    assert shapes.training_rows(456, 30, "float64", minibatches=False) == 512
    # A wide matrix does not get spare rows: they would cost memory.
    assert shapes.training_rows(456, 4000, "float64", minibatches=True) == 512
    with exact_shapes():
        assert shapes.padded_columns(13) == 13 and shapes.padded_outputs(3, "softmax", False) == 3


def test_coarse_bucket_sizes():
    with shapes.coarse_shapes():
        if not shapes.bucketing():
            assert shapes.padded_columns(13) == 13
            return
        counts = (1, 3, 16, 17, 37, 64, 65, 100, 4096, 5000)
        assert [shapes.padded_columns(n) for n in counts] == [64, 64, 64, 64, 64, 64, 128, 128,
                                                              4096, 5000]
        assert [shapes.padded_outputs(n, "softmax", False) for n in (2, 10, 16, 17)] == [16, 16, 16, 32]
        assert shapes.padded_outputs(1, "identity", False) == 1
        assert shapes.padded_outputs(3, "softmax", True) == 3
        with exact_shapes():
            assert shapes.padded_columns(13) == 13
    # Only inside the block.
    assert shapes.padded_columns(13) == 16 and shapes.padded_outputs(3, "softmax", False) == 4


@bucketed
def test_coarse_padding_trains_the_exact_weights():
    X, y = _table(400, 6, 3)
    with shapes.coarse_shapes():
        padded = mlp.MLPClassifier(max_iter=20, random_state=0).fit(X, y)
    with exact_shapes():
        exact = mlp.MLPClassifier(max_iter=20, random_state=0).fit(X, y)
    architecture = padded._get_network().backend.padded_architecture
    assert (architecture[0], architecture[-1]) == (64, 16)
    _assert_same_weights(padded, exact, 1e-8)
    # Outside the block the network keeps its sizes and predicts the same, in one call
    # of the rows' bucket instead of blocks of 256 rows (another blocking of the
    # products: the same to rounding).
    with shapes.coarse_shapes():
        inside = padded.predict_proba(X)
    numpy.testing.assert_allclose(padded.predict_proba(X), inside, rtol=1e-12, atol=0)
    numpy.testing.assert_allclose(inside, exact.predict_proba(X), atol=1e-10)
    assert padded._get_network().backend.padded_architecture == architecture


@bucketed
def test_tabular_tables_of_other_columns_and_classes_share_their_program():
    # 5 encoded columns and 3 classes, then 50 columns and 2 classes: one bucket.
    X, y = _table(700, 5, 3)
    mlp.TabularClassifier(max_iter=2, random_state=0).fit(X, y)
    before = programs.counts()
    X, y = _table(700, 50, 2, seed=1)
    model = mlp.TabularClassifier(max_iter=2, random_state=0).fit(X, y)
    model.predict(X[:140])
    assert programs.counts()["compiles"] == before["compiles"]
    assert model.model_._get_network().backend.padded_architecture[::4] == [64, 16]


@bucketed
def test_tabular_predictions_of_any_row_count_share_one_program_in_blocks():
    X, y = _table(2000, 7, 3)
    model = mlp.TabularClassifier(max_iter=2, random_state=0).fit(X, y)
    # The held-out rows' forward program serves 1 to 2,000 rows, in blocks of 256.
    before = programs.counts()
    predicted = model.predict_proba(X)
    for rows in (1, 29, 256, 257, 700):
        numpy.testing.assert_array_equal(model.predict_proba(X[:rows]), predicted[:rows])
    assert programs.counts()["compiles"] == before["compiles"]
    # A row's prediction is the same wherever it stands: alone, or in the last block.
    numpy.testing.assert_array_equal(model.predict_proba(X[1999:]), predicted[1999:])
    # Outside the tabular estimators, one call of the row count's own bucket.
    assert shapes.prediction_block_rows(700) == 1024
    with shapes.coarse_shapes():
        assert shapes.prediction_block_rows(700) == 256
