"""mlp.to_onnx: onnxruntime reproduces the models' predictions; the graph's inputs and
outputs are those skl2onnx gives scikit-learn's MLP."""

import subprocess
import sys

import numpy
import pytest

onnx = pytest.importorskip("onnx")
onnxruntime = pytest.importorskip("onnxruntime")
pytest.importorskip("sklearn")

from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris, load_linnerud  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import mlp  # noqa: E402
from mlp.graph.layers import LAYERS_BY_ACTIVATION  # noqa: E402
from mlp.io.onnx_nodes import ACTIVATIONS  # noqa: E402

pytestmark = [pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
              pytest.mark.filterwarnings("ignore::mlp.ConvergenceWarning")]

TOLERANCE = 1e-5


def scaled(loader, dtype=numpy.float32):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X).astype(dtype), y


def run(proto, X):
    """The graph's outputs for ``X``, by name."""
    session = onnxruntime.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    return dict(zip(names, session.run(None, {"X": X})))


def signature(proto):
    """(name, element type, rank) of each input and output."""
    return [(value.name, value.type.tensor_type.elem_type, len(value.type.tensor_type.shape.dim))
            for value in [*proto.graph.input, *proto.graph.output]]


def classifier(X, y, **keywords):
    settings = dict(hidden_layer_sizes=(16,), solver="lbfgs", max_iter=60, random_state=0)
    return mlp.MLPClassifier(**{**settings, **keywords}).fit(X, y)


def assert_reproduces_classifier(model, X):
    outputs = run(mlp.to_onnx(model, X[:1]), X)
    numpy.testing.assert_array_equal(outputs["label"], model.predict(X))
    numpy.testing.assert_allclose(outputs["probabilities"], model.predict_proba(X), rtol=0, atol=TOLERANCE)
    assert outputs["probabilities"].dtype == numpy.float32
    return outputs


@pytest.mark.parametrize("loader", [load_iris, load_digits])
def test_multiclass_classifier_is_reproduced(loader):
    X, y = scaled(loader)
    outputs = assert_reproduces_classifier(classifier(X, y), X)
    assert outputs["label"].dtype == numpy.int64
    assert len(numpy.unique(outputs["label"])) == len(numpy.unique(y))


@pytest.mark.parametrize("activation", ["logistic", "tanh", "gelu"])
def test_estimator_activation_names_are_read(activation):
    X, y = scaled(load_iris)
    assert_reproduces_classifier(classifier(X, y, activation=activation), X)
    model = mlp.MLPRegressor(hidden_layer_sizes=(8,), activation=activation, solver="lbfgs", max_iter=30,
                             random_state=0).fit(X, X[:, 0])
    variable = run(mlp.to_onnx(model, X[:1]), X)["variable"]
    numpy.testing.assert_allclose(variable[:, 0], model.predict(X), rtol=0, atol=TOLERANCE)


def test_a_loaded_model_exports_the_same_graph(tmp_path):
    X, y = scaled(load_iris)
    model = classifier(X, load_iris().target_names[y])
    mlp.save(model, tmp_path / "model.npz")
    restored = mlp.load(tmp_path / "model.npz")
    assert mlp.to_onnx(restored, X[:1]).graph == mlp.to_onnx(model, X[:1]).graph


def test_string_labels_come_out_as_strings():
    X, y = scaled(load_iris)
    names = load_iris().target_names[y]
    outputs = assert_reproduces_classifier(classifier(X, names), X)
    assert set(outputs["label"]) == set(names)


def test_binary_classifier_gives_two_probability_columns():
    X, y = scaled(load_breast_cancer)
    names = numpy.array(["malignant", "benign"])[y]
    for labels in (y, names):
        model = classifier(X, labels)
        outputs = assert_reproduces_classifier(model, X)
        assert outputs["probabilities"].shape == (len(X), 2)
        numpy.testing.assert_allclose(outputs["probabilities"].sum(axis=1), 1, atol=TOLERANCE)
        assert set(outputs["label"]) == set(labels)


def test_multilabel_classifier_gives_the_indicator_matrix():
    X, digit = scaled(load_digits)
    y = numpy.column_stack([digit % 2 == 1, digit >= 5, numpy.isin(digit, [2, 3, 5, 7])]).astype(int)
    model = classifier(X, y)
    outputs = assert_reproduces_classifier(model, X)
    assert outputs["label"].shape == y.shape and outputs["label"].dtype == numpy.int64
    assert 0 < outputs["label"].mean() < 1


@pytest.mark.parametrize("loader", [load_diabetes, load_linnerud])
def test_regressor_is_reproduced(loader):
    X, y = scaled(loader)
    y = (y - y.mean(axis=0)) / y.std(axis=0)
    model = mlp.MLPRegressor(hidden_layer_sizes=(16,), solver="lbfgs", max_iter=60, random_state=0).fit(X, y)
    variable = run(mlp.to_onnx(model, X[:1]), X)["variable"]
    assert variable.shape == (len(X), 1 if y.ndim == 1 else y.shape[1]) and variable.dtype == numpy.float32
    numpy.testing.assert_allclose(variable.reshape(model.predict(X).shape), model.predict(X),
                                  rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize("activation", sorted(LAYERS_BY_ACTIVATION))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_network_of_every_activation_is_reproduced(activation, dtype):
    X, y = scaled(load_iris, dtype)
    network = mlp.FeedForwardNetwork([4, 8, 6, 3], activation=activation, random_state=0, dtype=dtype)
    network.initialize()
    network.train(X, y, epochs=50, alpha=0.1)
    proto = mlp.to_onnx(network, X[:1])
    assert proto.graph.input[0].type.tensor_type.elem_type == (
        onnx.TensorProto.FLOAT if dtype == "float32" else onnx.TensorProto.DOUBLE)
    outputs = run(proto, X)
    numpy.testing.assert_array_equal(outputs["label"], network.classify(X))
    # float64 is exact but for gelu's erf, which onnxruntime computes in float32 only.
    tolerance = TOLERANCE if dtype == "float32" else 1e-7 if activation == "gelu" else 1e-12
    numpy.testing.assert_allclose(outputs["probabilities"], network.predict(X), rtol=0, atol=tolerance)


@pytest.mark.parametrize("output", ["sigmoid", "identity"])
def test_multilabel_and_regression_networks_are_reproduced(output):
    X, digit = scaled(load_digits)
    y = numpy.column_stack([digit % 2 == 1, digit >= 5]).astype(numpy.float32)
    if output == "identity":
        X, y = scaled(load_diabetes)
        y = ((y - y.mean()) / y.std()).astype(numpy.float32)
    network = mlp.FeedForwardNetwork([X.shape[1], 12, 2 if output == "sigmoid" else 1], activation="tanh",
                                     output=output, random_state=0, dtype="float32")
    network.initialize()
    network.train(X, y, epochs=50, alpha=0.05)
    outputs = run(mlp.to_onnx(network, X[:1]), X)
    values = outputs["probabilities" if output == "sigmoid" else "variable"]
    numpy.testing.assert_allclose(values, network.predict(X), rtol=0, atol=TOLERANCE)
    if output == "sigmoid":
        numpy.testing.assert_array_equal(outputs["label"], network.classify(X))


def test_every_activation_has_onnx_nodes():
    assert set(LAYERS_BY_ACTIVATION) <= set(ACTIVATIONS)


def test_float_type_follows_the_model_or_a_float32_sample():
    X, y = scaled(load_iris, numpy.float64)
    network = mlp.FeedForwardNetwork([4, 5, 3], random_state=0)
    network.initialize()
    float_graph = mlp.to_onnx(network, X[:1].astype(numpy.float32))
    assert float_graph.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    probabilities = run(float_graph, X.astype(numpy.float32))["probabilities"]
    numpy.testing.assert_allclose(probabilities, network.predict(X), rtol=0, atol=TOLERANCE)
    assert mlp.to_onnx(network, X[:1]).graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    single = mlp.FeedForwardNetwork([4, 5, 3], random_state=0, dtype="float32")
    single.initialize()
    assert mlp.to_onnx(single, X[:1]).graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT


def test_graph_uses_only_the_default_domain_at_opset_17():
    X, y = scaled(load_iris)
    proto = mlp.to_onnx(classifier(X, y), X[:1])
    assert [(opset.domain, opset.version) for opset in proto.opset_import] == [("", 17)]
    assert proto.ir_version == 8 and proto.producer_name == "mlp"
    onnx.checker.check_model(onnx.load_from_string(proto.SerializeToString()), full_check=True)


def test_inputs_and_outputs_are_skl2onnx_ones():
    skl2onnx = pytest.importorskip("skl2onnx")
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    X, y = scaled(load_iris)
    # Integer, string, float and (binary) bool labels. A multilabel label is left out:
    # skl2onnx declares it 1-D though it is the 2-D indicator matrix, as here.
    for labels in (y, load_iris().target_names[y], y.astype(float), y == 0):
        ours = mlp.to_onnx(classifier(X, labels, max_iter=5), X[:1])
        reference = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, labels)
        theirs = skl2onnx.to_onnx(reference, X[:1], options={"zipmap": False})
        assert signature(ours) == signature(theirs), labels.dtype
    regressor = mlp.MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, X[:, 0])
    ours = mlp.to_onnx(regressor, X[:1])
    reference = MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, X[:, 0])
    assert signature(ours) == signature(skl2onnx.to_onnx(reference, X[:1]))


def test_a_pipeline_joins_a_skl2onnx_scaler_graph():
    skl2onnx = pytest.importorskip("skl2onnx")
    from sklearn.pipeline import make_pipeline

    X, y = load_iris(return_X_y=True)
    X = X.astype(numpy.float32)
    pipeline = make_pipeline(StandardScaler(), mlp.MLPClassifier(hidden_layer_sizes=(8,), solver="lbfgs",
                                                                 max_iter=50, random_state=0)).fit(X, y)
    scaler = skl2onnx.to_onnx(pipeline[0], X[:1], target_opset=17)
    joined = onnx.compose.merge_models(scaler, mlp.to_onnx(pipeline[-1], X[:1]),
                                       io_map=[("variable", "X")], prefix2="mlp_")
    outputs = run(joined, X)
    numpy.testing.assert_array_equal(outputs["mlp_label"], pipeline.predict(X))
    numpy.testing.assert_allclose(outputs["mlp_probabilities"], pipeline.predict_proba(X),
                                  rtol=0, atol=TOLERANCE)


def test_unsupported_or_unfitted_models_are_refused():
    X, y = scaled(load_iris)
    with pytest.raises(TypeError, match="`model`.*Received: model of type builtins.str"):
        mlp.to_onnx("model.npz", X[:1])
    from sklearn.neural_network import MLPClassifier

    with pytest.raises(TypeError, match="`model`.*sklearn.neural_network"):
        mlp.to_onnx(MLPClassifier(max_iter=5, random_state=0).fit(X, y), X[:1])
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match="unfitted MLPClassifier for `model`"):
        mlp.to_onnx(mlp.MLPClassifier(), X[:1])
    with pytest.raises(ValueError, match="unfitted MLPRegressor for `model`"):
        mlp.to_onnx(mlp.MLPRegressor(), X[:1])
    with pytest.raises(mlp.NotInitializedError, match="uninitialized FeedForwardNetwork for `model`"):
        mlp.to_onnx(mlp.FeedForwardNetwork([4, 3, 3]), X[:1])


def test_a_sample_of_the_wrong_width_is_refused_and_the_model_kept():
    X, y = scaled(load_iris)
    model = classifier(X, y)
    before = model.predict_proba(X)
    with pytest.raises(ValueError, match=r"`X_sample`.*4 columns.*shape \(1, 3\)"):
        mlp.to_onnx(model, X[:1, :3])
    with pytest.raises(ValueError, match="`X_sample`.*dtype <U1"):
        mlp.to_onnx(model, numpy.array([["a"] * 4]))
    numpy.testing.assert_array_equal(model.predict_proba(X), before)


def test_without_onnx_an_import_error_names_the_package(monkeypatch):
    network = mlp.FeedForwardNetwork([2, 2, 2], random_state=0)
    network.initialize()
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r"`onnx` package: pip install onnx"):
        mlp.to_onnx(network, numpy.zeros((1, 2)))


def test_import_mlp_loads_no_onnx():
    code = "import sys, mlp; mlp.to_onnx; print(sorted({'onnx', 'onnxruntime'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
