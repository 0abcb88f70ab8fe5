"""Every bad input: a clear error naming the parameter and the value, weights untouched."""

import warnings

import numpy
import pytest
from scipy import sparse

from mlp import FeedForwardNetwork, Network, NotInitializedError
from tests.conftest import make_network

XOR = numpy.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
LABELS = numpy.array([0, 1, 1, 0])


@pytest.mark.parametrize("architecture, error, match", [
    ([2], ValueError, r"architecture.*Received: architecture=\[2\]"),
    ([], ValueError, r"architecture=\[\]"),
    ([2, 0, 2], ValueError, r"architecture=\[2, 0, 2\]"),
    ([2, -3, 2], ValueError, r"architecture=\[2, -3, 2\]"),
    ([2, 2.5, 2], TypeError, r"architecture=\[2, 2.5, 2\]"),
    ("22", TypeError, r"architecture='22'"),
    (3, TypeError, r"architecture=3"),
])
def test_bad_architecture(architecture, error, match):
    with pytest.raises(error, match=match):
        FeedForwardNetwork(architecture)
    with pytest.raises(error, match=match):
        Network(architecture)


@pytest.mark.parametrize("keywords, error, match", [
    ({"activation": "softplus"}, ValueError, "activation='softplus'"),
    ({"init": "zeros"}, ValueError, "init='zeros'"),
    ({"dtype": "float16"}, ValueError, "dtype='float16'"),
    ({"random_state": -1}, TypeError, "random_state=-1"),
    ({"random_state": "seed"}, TypeError, "random_state='seed'"),
])
def test_bad_constructor_arguments(keywords, error, match):
    with pytest.raises(error, match=match):
        FeedForwardNetwork([2, 2, 2], **keywords)


def test_predict_before_initialize():
    network = FeedForwardNetwork([2, 2, 2])
    with pytest.raises(NotInitializedError, match=r"`predict`.*initialize\(\)"):
        network.predict(XOR)
    with pytest.raises(ValueError, match=r"`train`.*initialize\(\)"):
        network.train(XOR, LABELS)


BAD_DATA = [
    ({"X": numpy.array([0., 1., 1., 0.])}, ValueError, r"`X` must be a 2-D array.*shape \(4,\)"),
    ({"X": numpy.zeros((4, 2, 1))}, ValueError, r"`X` must be a 2-D.*shape \(4, 2, 1\)"),
    ({"X": numpy.zeros((0, 2)), "y": numpy.zeros(0)}, ValueError, r"`X` has no rows"),
    ({"X": numpy.where(XOR == 1, numpy.nan, XOR)}, ValueError,
     r"`X` contains NaN or infinity: X\[1, 1\]=nan"),
    ({"X": numpy.where(XOR == 1, numpy.inf, XOR)}, ValueError, r"`X` contains NaN or infinity.*inf"),
    ({"X": numpy.zeros((4, 3))}, ValueError, r"`X` has 3 columns.*architecture\[0\]=2"),
    ({"X": [["a", "b"]] * 4}, TypeError, r"`X` must be an array of numbers"),
    ({"y": numpy.array([0, 1, 1])}, ValueError, r"`y` has 3 rows but X has 4"),
    ({"y": numpy.eye(3)[[0, 1, 1, 0]]}, ValueError, r"`y` has 3 columns.*architecture\[-1\]=2"),
    ({"y": numpy.array([[1., 1.], [0., 1.], [1., 0.], [0., 1.]])}, ValueError,
     r"row of `y` must sum to 1.*y\[0\] summing to 2"),
    ({"y": numpy.array([0, 1, 2, 0])}, ValueError, r"`y` holds the label 2.*labels 0 to 1"),
    ({"y": numpy.array([0, 1e39, 1, 0])}, ValueError, r"`y` holds the label 1e\+39 "),
    ({"X": sparse.csr_matrix(XOR)}, TypeError, r"`X` is a sparse matrix.*pass X\.toarray\(\)"),
    ({"y": sparse.csr_array(numpy.eye(2)[LABELS])}, TypeError, r"`y` is a sparse.*y\.toarray\(\)"),
    ({"y": numpy.array([0, -1, 1, 0])}, ValueError, r"`y` holds the label -1"),
    ({"y": numpy.array([0, 0.5, 1, 0])}, ValueError, r"integer class labels. Received the label 0.5"),
    ({"y": numpy.array([0, numpy.nan, 1, 0])}, ValueError, r"`y` contains NaN or infinity: y\[1\]=nan"),
    ({"y": numpy.array([[1.5, -0.5], [0., 1.], [1., 0.], [0., 1.]])}, ValueError,
     r"values in \[0, 1\].*y\[0, 0\]=1.5"),
    ({"y": ["a", "b", "a", "b"]}, TypeError, r"`y` must be an array of numbers"),
    ({"alpha": -0.1}, ValueError, r"`alpha`.*Received: alpha=-0.1"),
    ({"alpha": 0}, ValueError, r"`alpha`.*Received: alpha=0"),
    ({"alpha": "fast"}, TypeError, r"Received: alpha='fast'"),
    ({"reg_lambda": -1e-4}, ValueError, r"`reg_lambda`.*Received: reg_lambda=-0.0001"),
    ({"epochs": -1}, ValueError, r"`epochs`.*Received: epochs=-1"),
    ({"epochs": 2.5}, ValueError, r"`epochs`.*Received: epochs=2.5"),
    ({"momentum": 1.0}, ValueError, r"`momentum`.*\[0, 1\).*Received: momentum=1.0"),
    ({"momentum": -0.5}, ValueError, r"Received: momentum=-0.5"),
    ({"momentum": float("nan")}, ValueError, r"Received: momentum=nan"),
    ({"patience": 0}, ValueError, r"Received: patience=0"),
    ({"restarts": -2}, ValueError, r"Received: restarts=-2"),
    ({"target_cost": -1}, ValueError, r"Received: target_cost=-1"),
    ({"tol": 2}, ValueError, r"Received: tol=2"),
]


@pytest.mark.parametrize("change, error, match", BAD_DATA)
def test_bad_training_input_leaves_the_weights_as_they_were(change, error, match):
    network = make_network([2, 3, 2], random_state=0)
    before = network.weights + network.bias
    arguments = {"X": XOR, "y": LABELS, **change}
    with pytest.raises(error, match=match):
        network.train(**arguments)
    for old, new in zip(before, network.weights + network.bias):
        numpy.testing.assert_array_equal(old, new)


@pytest.mark.parametrize("inputs, match", [
    (numpy.zeros((1, 3)), r"`inputs` has 3 columns"),
    (numpy.array([1., 0.]), r"`inputs` must be a 2-D array"),
    (numpy.array([[numpy.nan, 0.]]), r"`inputs` contains NaN"),
])
def test_bad_prediction_input(inputs, match):
    network = make_network([2, 3, 2], random_state=0)
    with pytest.raises(ValueError, match=match):
        network.predict(inputs)


@pytest.mark.parametrize("make_sparse", [sparse.csr_matrix, sparse.coo_array],
                         ids=["csr_matrix", "coo_array"])
def test_sparse_input_says_sparse_and_how_to_convert(make_sparse):
    network = make_network([2, 3, 2], random_state=0)
    with pytest.raises(TypeError, match=r"`X` is a sparse matrix .*dense arrays: pass X\.toarray\(\) "
                                        r"instead\. Received: X of type \w+ with shape \(4, 2\)"):
        network.train(make_sparse(XOR), LABELS)
    with pytest.raises(TypeError, match=r"`inputs` is a sparse matrix .*pass inputs\.toarray\(\)"):
        network.predict(make_sparse(XOR))
    with pytest.raises(TypeError, match=r"`validation_data\[0\]` is a sparse matrix"):
        network.train(XOR, LABELS, validation_data=(make_sparse(XOR), LABELS))


def test_a_value_beyond_float32_is_out_of_range_not_infinite():
    network = make_network([2, 3, 2], random_state=0, dtype="float32")
    before = network.weights
    too_large = XOR.copy()
    too_large[2, 1] = -1e39  # finite in float64; -inf once converted to float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no overflow warning from the conversion
        with pytest.raises(ValueError,
                           match=r"`X` holds X\[2, 1\]=-1e\+39, outside the float32 range") as caught:
            network.train(too_large, LABELS)
        assert "NaN or infinity" not in str(caught.value)
        with pytest.raises(ValueError, match=r"`inputs` holds inputs\[2, 1\]=-1e\+39, outside the float32"):
            network.predict(too_large)
        with pytest.raises(ValueError, match=r"`sample_weight` holds sample_weight\[0\]=1e\+39, outside"):
            network.train(XOR, LABELS, sample_weight=numpy.array([1e39, 1, 1, 1]))
    numpy.testing.assert_array_equal(before[0], network.weights[0])
    # The same value is fine for a float64 network, and an infinity is still one.
    make_network([2, 3, 2], random_state=0).predict(too_large)
    with pytest.raises(ValueError, match=r"`X` contains NaN or infinity: X\[2, 1\]=inf"):
        network.train(numpy.where(too_large == -1e39, numpy.inf, too_large), LABELS)


def test_a_multilabel_network_wants_an_indicator_matrix():
    network = make_network([2, 3, 2], random_state=0, output="sigmoid")
    with pytest.raises(ValueError, match=r"`y` must be an indicator matrix.*shape \(4,\)"):
        network.train(XOR, LABELS)
    history = network.train(XOR, numpy.array([[1, 1], [0, 1], [1, 0], [0, 0]]), epochs=3)
    assert history.epochs == 3
    assert network.classify(XOR).shape == (4, 2)
    with pytest.raises(ValueError, match="output='linear'"):
        FeedForwardNetwork([2, 2], output="linear")


def test_epochs_zero_trains_nothing():
    network = make_network([2, 3, 2], random_state=0)
    before = network.weights
    history = network.train(XOR, LABELS, epochs=0)
    assert history.epochs == 0 and history.stopped == "epochs"
    numpy.testing.assert_array_equal(before[0], network.weights[0])
