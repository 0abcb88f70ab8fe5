import json
import os
import re
import warnings

import numpy
import pytest

from mlp import ConvergenceWarning, NotInitializedError, engine, load, save
from mlp.io.model_file import FORMAT_VERSION, ModelFileError, read_model, write_model
from tests.conftest import make_network

XOR_INPUTS = numpy.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
XOR_LABELS = numpy.array([0, 1, 1, 0])


def trained_network(architecture=(2, 3, 2), inputs=XOR_INPUTS, labels=XOR_LABELS, **keywords):
    keywords.setdefault("activation", "tanh")
    keywords.setdefault("random_state", 0)
    network = make_network(list(architecture), **keywords)
    with warnings.catch_warnings():
        # 200 epochs may end short of the target; only the weights matter here.
        warnings.simplefilter("ignore", ConvergenceWarning)
        network.train(inputs, labels, epochs=200)
    return network


@pytest.fixture(scope="module")
def saved_file(tmp_path_factory):
    """A trained [2, 3, 2] tanh network saved once, and its predictions."""
    network = trained_network()
    path = tmp_path_factory.mktemp("saved") / "model.npz"
    save(network, path)
    return path, network.predict(XOR_INPUTS)


def rewrite_npz(source, target, edit_header=None, edit_arrays=None):
    """Copy an npz by hand with numpy.savez, editing its header and arrays on the way."""
    with numpy.load(source, allow_pickle=False) as archive:
        contents = {name: archive[name] for name in archive.files}
    header = json.loads(contents.pop("__header__").tobytes().decode("utf-8"))
    if edit_header is not None:
        edit_header(header)
    if edit_arrays is not None:
        edit_arrays(contents)
    encoded = numpy.frombuffer(json.dumps(header).encode("utf-8"), dtype=numpy.uint8)
    numpy.savez(target, __header__=encoded, **contents)
    return target


def load_error(path):
    """The ModelFileError that loading ``path`` raises; its message must name the file."""
    with pytest.raises(ModelFileError, match=re.escape(str(path))) as caught:
        load(path)
    return str(caught.value)


# Round trips


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_round_trip_keeps_predictions_weights_and_dtype(tmp_path, dtype):
    network = trained_network(dtype=dtype)
    path = tmp_path / "model.npz"
    save(network, path)
    restored = load(path)
    numpy.testing.assert_array_equal(restored.predict(XOR_INPUTS), network.predict(XOR_INPUTS))
    for saved, loaded in zip(network.weights + network.bias, restored.weights + restored.bias):
        numpy.testing.assert_array_equal(loaded, saved)
        assert loaded.dtype == numpy.dtype(dtype)
    assert restored.dtype == dtype
    assert restored.architecture == [2, 3, 2] and restored.activation == "tanh"


def test_round_trip_of_a_deeper_relu_network(tmp_path):
    generator = numpy.random.default_rng(0)
    inputs = generator.normal(size=(20, 4))
    labels = (inputs[:, 0] > 0).astype(int)
    network = trained_network([4, 5, 3, 2], inputs, labels, activation="relu", init="uniform")
    path = tmp_path / "relu.npz"
    save(network, path)
    restored = load(str(path))
    assert restored.architecture == [4, 5, 3, 2]
    assert (restored.activation, restored.init) == ("relu", "uniform")
    assert [layer.activation for layer in restored.layers[1:]] == ["relu", "relu", "softmax"]
    numpy.testing.assert_array_equal(restored.predict(inputs), network.predict(inputs))


def test_a_loaded_network_trains_on(saved_file):
    path, _ = saved_file
    restored = load(path)
    before = restored.weights
    restored.train(XOR_INPUTS, XOR_LABELS, epochs=5)
    after = restored.weights
    assert all(numpy.isfinite(weights).all() for weights in after)
    assert any(not numpy.array_equal(old, new) for old, new in zip(before, after))


def test_random_state_is_kept_only_when_an_integer(tmp_path):
    path = tmp_path / "model.npz"
    save(make_network([2, 3, 2], activation="tanh", random_state=7), path)
    assert read_model(path)[0]["random_state"] == 7
    assert load(path).random_state == 7
    generator = numpy.random.default_rng(7)
    save(make_network([2, 3, 2], activation="tanh", random_state=generator), path)
    assert read_model(path)[0]["random_state"] is None


def test_an_engine_other_than_the_current_one_loads(saved_file, tmp_path):
    path, predictions = saved_file
    other = "theano" if engine.name == "pytensor" else "pytensor"
    edited = rewrite_npz(path, tmp_path / "other.npz", edit_header=lambda h: h.update(engine=other))
    numpy.testing.assert_array_equal(load(edited).predict(XOR_INPUTS), predictions)


# The file format


def test_the_file_is_a_plain_npz_with_a_json_header(saved_file):
    path, _ = saved_file
    with numpy.load(path, allow_pickle=False) as archive:
        names = set(archive.files)
        header = json.loads(archive["__header__"].tobytes().decode("utf-8"))
        assert archive["weights_0"].shape == (3, 2) and archive["bias_1"].shape == (2,)
    assert names == {"__header__", "weights_0", "bias_0", "weights_1", "bias_1"}
    assert header["format_version"] == FORMAT_VERSION == 1
    assert header["library_version"] == __import__("mlp").__version__
    assert header["engine"] == engine.name
    assert header["architecture"] == [2, 3, 2]
    assert header["kind"] == "FeedForwardNetwork"
    assert header["activations"] == ["tanh", "softmax"]


def test_save_refuses_an_uninitialized_network(tmp_path):
    from mlp import FeedForwardNetwork

    with pytest.raises(NotInitializedError, match="initialize"):
        save(FeedForwardNetwork([2, 3, 2]), tmp_path / "model.npz")
    assert os.listdir(tmp_path) == []


# Atomic writes (the writer's own tests, permissions included: test_atomic_file.py)


@pytest.mark.parametrize("target", ["numpy.savez", "os.replace"])
def test_a_failed_save_leaves_the_previous_file_and_no_temporary_file(tmp_path, monkeypatch, target):
    original = trained_network()
    path = tmp_path / "model.npz"
    save(original, path)
    expected = original.predict(XOR_INPUTS)
    replacement = make_network([2, 3, 2], activation="tanh", random_state=1)
    module_name, function_name = target.split(".")
    module = numpy if module_name == "numpy" else os
    real_function = getattr(module, function_name)

    def fail_midway(*arguments, **keywords):
        if function_name == "savez":
            real_function(*arguments, **keywords)  # the bytes are written, then the crash
        raise OSError("disk full")

    monkeypatch.setattr(module, function_name, fail_midway)
    with pytest.raises(OSError, match="disk full"):
        save(replacement, path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["model.npz"]
    numpy.testing.assert_array_equal(load(path).predict(XOR_INPUTS), expected)


def test_saving_over_a_file_keeps_its_permissions(tmp_path):
    path = tmp_path / "model.npz"
    network = make_network([2, 3, 2], activation="tanh", random_state=0)
    save(network, path)
    os.chmod(path, 0o640)
    save(network, path)
    assert os.stat(path).st_mode & 0o777 == 0o640


# Files that are not readable models


def test_a_missing_file_raises_file_not_found_naming_it(tmp_path):
    path = tmp_path / "absent.npz"
    with pytest.raises(FileNotFoundError, match=re.escape(str(path))):
        load(path)


def test_a_truncated_file(saved_file, tmp_path):
    path = tmp_path / "truncated.npz"
    data = saved_file[0].read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert "not a readable mlp model file" in load_error(path)


def test_corrupted_bytes(saved_file, tmp_path):
    data = bytearray(saved_file[0].read_bytes())
    middle = len(data) // 2
    data[middle:middle + 8] = bytes(byte ^ 0xFF for byte in data[middle:middle + 8])
    path = tmp_path / "corrupted.npz"
    path.write_bytes(bytes(data))
    assert "not a readable mlp model file" in load_error(path)


@pytest.mark.parametrize("content, problem", [
    (b"", "the file is empty"),
    (b"hello, not a model\n" * 10, "not an npz (zip) archive: it starts with b'hello,'"),
    (b"PK\x03\x04" + bytes(100), "BadZipFile"),
])
def test_a_file_that_is_not_an_npz(tmp_path, content, problem):
    path = tmp_path / "random.npz"
    path.write_bytes(content)
    message = load_error(path)
    assert "not a readable mlp model file" in message and problem in message
    assert "allow_pickle" not in message  # never advise loading an unknown file unsafely


def test_a_single_npy_array(tmp_path):
    path = tmp_path / "single.npy"
    numpy.save(path, numpy.zeros(3))
    assert "single array" in load_error(path)


def test_an_npz_without_a_header(tmp_path):
    path = tmp_path / "headless.npz"
    numpy.savez(path, weights_0=numpy.zeros((3, 2)))
    assert "__header__" in load_error(path)


@pytest.mark.parametrize("text", [b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_a_header_that_is_not_a_json_object(tmp_path, text):
    path = tmp_path / "bad_header.npz"
    numpy.savez(path, __header__=numpy.frombuffer(text, dtype=numpy.uint8))
    assert "header" in load_error(path)


@pytest.mark.parametrize("version", [2, 0, None, "1"])
def test_another_format_version(saved_file, tmp_path, version):
    def set_version(header):
        if version is None:
            del header["format_version"]
        else:
            header["format_version"] = version

    path = rewrite_npz(saved_file[0], tmp_path / "version.npz", edit_header=set_version)
    message = load_error(path)
    assert f"format_version {version!r} is not supported" in message
    assert f"reads format_version {FORMAT_VERSION}" in message


def test_an_array_whose_shape_disagrees_with_the_header(saved_file, tmp_path):
    path = rewrite_npz(saved_file[0], tmp_path / "shape.npz",
                       edit_arrays=lambda arrays: arrays.update(bias_0=numpy.zeros(4)))
    message = load_error(path)
    assert "`bias_0` has shape (4,)" in message and "expects (3,)" in message


def test_a_missing_array(saved_file, tmp_path):
    path = rewrite_npz(saved_file[0], tmp_path / "missing.npz",
                       edit_arrays=lambda arrays: arrays.pop("weights_1"))
    assert "no array `weights_1` (expected shape (2, 3))" in load_error(path)


def test_an_extra_array(saved_file, tmp_path):
    path = rewrite_npz(saved_file[0], tmp_path / "extra.npz",
                       edit_arrays=lambda arrays: arrays.update(weights_2=numpy.zeros((2, 2))))
    assert "weights_2" in load_error(path)


def test_an_architecture_edited_by_hand(saved_file, tmp_path):
    path = rewrite_npz(saved_file[0], tmp_path / "edited.npz",
                       edit_header=lambda header: header.update(architecture=[2, 4, 2]))
    message = load_error(path)
    assert "`weights_0` has shape (3, 2)" in message and "expects (4, 2)" in message


@pytest.mark.parametrize("edit, problem", [
    ({"kind": "Perceptron"}, "kind 'Perceptron'"),
    ({"architecture": [2, 0, 2]}, "architecture"),
    ({"architecture": "2-3-2"}, "architecture"),
    ({"activation": "swish"}, "activation"),
    ({"activations": ["relu", "softmax"]}, "activations"),
    ({"dtype": "float16"}, "dtype"),
    ({"init": None}, "init"),
    ({"random_state": -1}, "random_state"),
])
def test_an_invalid_header_entry(saved_file, tmp_path, edit, problem):
    path = rewrite_npz(saved_file[0], tmp_path / "invalid.npz", edit_header=lambda h: h.update(edit))
    assert problem in load_error(path)


def test_a_header_without_an_entry(saved_file, tmp_path):
    path = rewrite_npz(saved_file[0], tmp_path / "no_dtype.npz", edit_header=lambda h: h.pop("dtype"))
    assert "no 'dtype' entry" in load_error(path)


@pytest.mark.parametrize("value", [numpy.nan, numpy.inf, -numpy.inf])
def test_non_finite_arrays(saved_file, tmp_path, value):
    def poison(arrays):
        arrays["weights_1"] = arrays["weights_1"].copy()
        arrays["weights_1"][1, 2] = value

    path = rewrite_npz(saved_file[0], tmp_path / "non_finite.npz", edit_arrays=poison)
    assert f"`weights_1` holds {value} at index (1, 2)" in load_error(path)


def test_integer_arrays_are_refused(saved_file, tmp_path):
    path = rewrite_npz(saved_file[0], tmp_path / "integers.npz",
                       edit_arrays=lambda arrays: arrays.update(bias_1=numpy.zeros(2, dtype=numpy.int64)))
    assert "`bias_1` has dtype int64" in load_error(path)


def test_network_save_and_load_methods(tmp_path):
    from mlp import FeedForwardNetwork

    network = make_network([2, 3, 2], activation="tanh", random_state=0)
    path = tmp_path / "xor.npz"
    network.save(path)
    loaded = FeedForwardNetwork.load(path)
    X = numpy.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    numpy.testing.assert_array_equal(loaded.predict(X), network.predict(X))
    assert loaded.architecture == [2, 3, 2] and loaded.activation == "tanh"


def test_a_multilabel_network_keeps_its_sigmoid_outputs(tmp_path):
    from mlp import FeedForwardNetwork

    network = make_network([3, 4, 2], output="sigmoid", random_state=0)
    path = tmp_path / "multilabel.npz"
    network.save(path)
    loaded = FeedForwardNetwork.load(path)
    X = numpy.random.default_rng(0).normal(size=(5, 3))
    assert loaded.output == "sigmoid"
    numpy.testing.assert_array_equal(loaded.predict(X), network.predict(X))


def _other_engine_python():
    """The Makefile's environment of the other engine, when it has been made."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    other = ".venv-theano" if engine.name == "pytensor" else ".venv"
    python = os.path.join(root, other, "bin", "python")
    # The Makefile's stamp: the environment is completely installed (CI may still be
    # installing it while this suite runs).
    ready = os.path.exists(os.path.join(root, other, ".installed"))
    return python if ready else None, "theano" if engine.name == "pytensor" else "pytensor"


def test_a_file_saved_under_one_engine_loads_under_the_other(tmp_path):
    import subprocess

    python, other_engine = _other_engine_python()
    if python is None:
        pytest.skip("the other engine's environment (make test / make test-theano) is not there")
    network = make_network([2, 3, 2], activation="tanh", random_state=0)
    path = tmp_path / "model.npz"
    network.save(path)
    X = numpy.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    script = ("import sys, numpy, mlp; network = mlp.load(sys.argv[1]); "
              "print(mlp.engine.name); print(network.predict(numpy.array(eval(sys.argv[2]))).tolist())")
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("PYTENSOR_FLAGS", "THEANO_FLAGS")}
    environment["MLP_ENGINE"] = other_engine
    result = subprocess.run([python, "-c", script, str(path), repr(X.tolist())], capture_output=True,
                            text=True, env=environment, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    engine_name, predictions = result.stdout.strip().splitlines()[-2:]
    assert engine_name == other_engine
    numpy.testing.assert_allclose(numpy.array(eval(predictions)), network.predict(X), rtol=1e-12)


def test_mlp_save_refuses_scikit_learns_own_mlp_classifier(tmp_path):
    sklearn_network = pytest.importorskip("sklearn.neural_network")
    import mlp

    X = numpy.tile(XOR_INPUTS, (4, 1))
    foreign = sklearn_network.MLPClassifier((3,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 5 iterations do not converge
        foreign.fit(X, numpy.tile(XOR_LABELS, 4))
    with pytest.raises(TypeError, match=r"mlp\.FeedForwardNetwork or an mlp\.MLPClassifier\. "
                                        r"Received: model of type sklearn\.neural_network\..*MLPClassifier"):
        mlp.save(foreign, tmp_path / "model.npz")
    with pytest.raises(TypeError, match=r"Received: model of type builtins\.dict"):
        mlp.save({"coefs_": []}, tmp_path / "model.npz")
    assert os.listdir(tmp_path) == []
    # mlp's own models still save.
    mlp.save(make_network([2, 3, 2], random_state=0), tmp_path / "model.npz")
    assert mlp.load(tmp_path / "model.npz").architecture == [2, 3, 2]


def test_a_fitted_regressor_saves_and_loads(tmp_path):
    from sklearn.datasets import load_diabetes
    from sklearn.metrics import make_scorer, mean_absolute_error
    from sklearn.preprocessing import scale

    import mlp

    X, y = load_diabetes(return_X_y=True)
    X, Y = scale(X), scale(numpy.c_[y, X[:, 0] * y])
    scorer = make_scorer(mean_absolute_error, greater_is_better=False)
    for targets in (Y[:, 0], Y):
        regressor = mlp.MLPRegressor(hidden_layer_sizes=(6,), learning_rate_init=0.01, max_iter=20,
                                     early_stopping=True, scoring=scorer, random_state=0)
        regressor.fit(X, targets)
        path = tmp_path / "diabetes.npz"
        mlp.save(regressor, path)
        loaded = mlp.load(path)
        assert isinstance(loaded, mlp.MLPRegressor) and not hasattr(loaded, "classes_")
        numpy.testing.assert_array_equal(loaded.predict(X), regressor.predict(X))
        assert loaded.predict(X).shape == targets.shape
        # A callable scoring is code, not saved: the loaded model has scoring=None.
        assert loaded.get_params() == dict(regressor.get_params(), scoring=None)
        assert loaded.validation_scores_ == regressor.validation_scores_
        assert loaded.n_outputs_ == regressor.n_outputs_ and loaded.out_activation_ == "identity"
    header, arrays = read_model(path)
    header["n_outputs_"] = 3
    write_model(tmp_path / "edited.npz", header, arrays)
    with pytest.raises(ModelFileError, match=r"edited\.npz.*2 outputs.*3 outputs"):
        mlp.load(tmp_path / "edited.npz")
