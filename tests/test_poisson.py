"""Poisson regression: ``MLPRegressor(loss="poisson")`` and ``FeedForwardNetwork(output=
"exponential")`` train an exponential output on half the Poisson deviance, as
scikit-learn's ``loss="poisson"``, and predict the mean on the response scale."""

import warnings

import numpy
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor as SklearnMLPRegressor

import mlp
from mlp import FeedForwardNetwork, MLPRegressor

pytestmark = [pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
              pytest.mark.filterwarnings("ignore::mlp.ConvergenceWarning")]


@pytest.fixture(scope="module")
def counts():
    """Counts drawn from a Poisson distribution whose log-mean is linear in X."""
    generator = numpy.random.RandomState(0)
    X = generator.randn(300, 5)
    y = generator.poisson(numpy.exp(X @ numpy.array([0.3, -0.2, 0.1, 0.0, 0.2]))).astype(float)
    return X, y


def test_full_batch_training_reaches_sklearns_weights(counts):
    # Same initial weights (an integer random_state) and full batches: the same steps.
    X, y = counts
    settings = dict(loss="poisson", hidden_layer_sizes=(8,), batch_size=len(X), max_iter=40,
                    learning_rate_init=0.01, random_state=0)
    ours = MLPRegressor(**settings).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = SklearnMLPRegressor(**settings).fit(X, y)
    assert ours.out_activation_ == theirs.out_activation_ == "exp"
    for mine, reference in zip([*ours.coefs_, *ours.intercepts_], [*theirs.coefs_, *theirs.intercepts_]):
        numpy.testing.assert_allclose(mine, reference, rtol=1e-5, atol=1e-7)
    numpy.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-6)
    numpy.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-5)


def test_predictions_are_positive_means(counts):
    X, y = counts
    model = MLPRegressor(loss="poisson", hidden_layer_sizes=(8,), random_state=0, max_iter=100).fit(X, y)
    predictions = model.predict(X)
    assert predictions.shape == (len(X),) and (predictions > 0).all()
    # The mean of a Poisson fit with an intercept is close to the mean count.
    assert abs(predictions.mean() - y.mean()) < 0.1 * y.mean()


@pytest.mark.parametrize("where", ["y", "y_val"])
def test_a_negative_count_is_refused_and_the_model_kept(counts, where):
    X, y = counts
    model = MLPRegressor(loss="poisson", hidden_layer_sizes=(4,), random_state=0, max_iter=5,
                         early_stopping=where == "y_val").fit(X, y)
    before = [weights.copy() for weights in model.coefs_]
    negative = y.copy()
    negative[7] = -1.0
    arguments = (dict(y=negative) if where == "y"
                 else dict(y=y, X_val=X[:20], y_val=negative[:20]))
    with pytest.raises(ValueError, match=rf"`{where}` must hold non-negative values.*{where}\[7"):
        model.fit(X, **arguments)
    for weights, kept in zip(model.coefs_, before):
        numpy.testing.assert_array_equal(weights, kept)


def test_save_and_load_keep_the_exponential_output(counts, tmp_path):
    X, y = counts
    model = MLPRegressor(loss="poisson", hidden_layer_sizes=(4,), random_state=0, max_iter=20).fit(X, y)
    mlp.save(model, tmp_path / "poisson.npz")
    loaded = mlp.load(tmp_path / "poisson.npz")
    assert loaded.out_activation_ == "exp"
    numpy.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_onnx_graph_reproduces_predict(counts):
    pytest.importorskip("onnx")
    onnxruntime = pytest.importorskip("onnxruntime")
    X, y = counts
    X = X.astype(numpy.float32)
    model = MLPRegressor(loss="poisson", hidden_layer_sizes=(4,), random_state=0, max_iter=20).fit(X, y)
    session = onnxruntime.InferenceSession(mlp.to_onnx(model, X[:1]).SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    (variable,) = session.run(None, {"X": X})
    numpy.testing.assert_allclose(variable.ravel(), model.predict(X), rtol=1e-5)


def test_the_seed_front_end_trains_an_exponential_network(counts):
    X, y = counts
    network = FeedForwardNetwork([5, 8, 1], output="exponential", random_state=0)
    network.initialize()
    history = network.train(X, y, alpha=0.01, epochs=300, convergence_warnings=False)
    assert history.loss[-1] < 0.8 * history.loss[0]
    assert (network.predict(X) > 0).all()
    with pytest.raises(TypeError, match="output='exponential'"):
        network.classify(X)
    with pytest.raises(ValueError, match="`y` must hold non-negative values"):
        network.train(X, -y - 1, epochs=2)
