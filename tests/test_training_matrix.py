"""The training matrix: one padded copy of X, made block by block (mlp.runtime.padded_data)."""

import tracemalloc

import numpy
import pytest
from scipy import sparse

from mlp import engine
from mlp.network import FeedForwardNetwork
from mlp.runtime import padded_data
from mlp.runtime.padded_data import padded_matrix, padded_rows

sklearn = pytest.importorskip("sklearn")
from mlp.sklearn.classifier import MLPClassifier  # noqa: E402


@pytest.fixture
def X():
    # Many blocks, and a row count that is not a padded size.
    return numpy.random.default_rng(0).normal(size=(60001, 7))


def test_padded_matrix_holds_the_rows_then_zeros(X):
    matrix = padded_matrix(X, "float32")
    assert matrix.shape == X.shape and matrix.dtype == numpy.float32
    numpy.testing.assert_array_equal(matrix, X.astype(numpy.float32))
    padded = padded_data.padded_base(matrix, "float32")
    assert padded.shape == (padded_rows(len(X) + 1), 7)
    numpy.testing.assert_array_equal(padded[:len(X)], matrix)
    assert not padded[len(X):].any()


def test_padded_matrix_takes_chosen_rows_in_order_from_sparse_input(X):
    X[numpy.abs(X) < 1] = 0.0
    rows = numpy.random.default_rng(1).permutation(len(X))[:30000]
    for given in (X, sparse.csr_matrix(X), sparse.csc_matrix(X)):
        matrix = padded_matrix(given, "float64", rows=rows)
        numpy.testing.assert_array_equal(matrix, X[rows])
        assert padded_data.padded_base(matrix, "float64").shape == (padded_rows(30001), 7)


def test_padded_matrix_names_the_callers_row_of_a_value_out_of_range(X):
    X[48000, 3] = 1e39
    rows = numpy.arange(len(X))[::-1]
    with pytest.raises(ValueError, match=r"X\[48000, 3\]=1e\+39.*float32"):
        padded_matrix(X, "float32", rows=rows)


def test_backend_takes_a_padded_matrix_without_a_second_copy(X):
    network = FeedForwardNetwork([7, 4, 3], activation="relu", dtype="float32", random_state=0)
    network.initialize()
    backend = network.backend
    matrix = padded_matrix(X, "float32")
    targets = numpy.eye(3, dtype=numpy.float32)[numpy.arange(len(X)) % 3]
    backend.set_data(matrix, targets)
    held = backend.data[0]
    assert held.shape == (padded_rows(len(X) + 1), 7)
    if engine.jax is not None and engine.device.startswith("cpu"):
        # JAX on the CPU uses the buffer itself: the padded matrix is the one copy.
        assert held.unsafe_buffer_pointer() == matrix.ctypes.data
    # A caller's own array is copied: it may change while the backend holds it.
    own = numpy.zeros((padded_rows(len(X) + 1), 7), dtype=numpy.float32)
    own[:len(X)] = X
    backend.set_data(own[:len(X)], targets)
    assert backend.data[0] is not None
    if engine.jax is not None and engine.device.startswith("cpu"):
        assert backend.data[0].unsafe_buffer_pointer() != own.ctypes.data


def test_the_seed_front_ends_padded_data_is_the_device_data(monkeypatch, X):
    # set_data pads a caller's arrays into aligned memory, which JAX on the CPU uses as
    # it is: one copy, in the memory the minibatch gathers run fastest from.
    from mlp.runtime import host_memory
    made = []

    def recording(values, rows, dtype):
        made.append(host_memory_padded(values, rows, dtype))
        return made[-1]

    host_memory_padded = host_memory.padded
    monkeypatch.setattr(host_memory, "padded", recording)
    network = FeedForwardNetwork([7, 4, 3], activation="relu", dtype="float32", random_state=0)
    network.initialize()
    targets = numpy.eye(3, dtype=numpy.float32)[numpy.arange(len(X)) % 3]
    inputs = X.astype(numpy.float32)
    network.backend.set_data(inputs, targets)
    assert [array.ctypes.data % 64 for array in made] == [0, 0, 0]
    numpy.testing.assert_array_equal(numpy.asarray(network.backend.data[0])[:len(X)], inputs)
    if engine.jax is not None and engine.device.startswith("cpu"):
        held = [value.unsafe_buffer_pointer() for value in network.backend.data]
        assert held == [array.ctypes.data for array in made]


def test_a_matrix_beyond_half_the_available_memory_is_refused(monkeypatch, X):
    monkeypatch.setattr(padded_data, "available_memory", lambda: 400_000)
    expected = r"`X` needs a 61440 x 7 float32 matrix of 1\.7 MB, more than half of the 0\.4 MB"
    with pytest.raises(MemoryError, match=expected):
        padded_matrix(X, "float32")


def test_fit_refused_for_memory_leaves_the_model_as_it_was(monkeypatch, X):
    y = numpy.arange(len(X)) % 3
    model = MLPClassifier((4,), max_iter=2, random_state=0).fit(X[:100], y[:100])
    before = [coef.copy() for coef in model.coefs_]
    monkeypatch.setattr(padded_data, "available_memory", lambda: 1000)
    with pytest.raises(MemoryError, match="more than half"):
        model.fit(X, y)
    for coef, kept in zip(model.coefs_, before):
        numpy.testing.assert_array_equal(coef, kept)
    assert model.n_features_in_ == 7


@pytest.mark.parametrize("case", ["float64 to float32", "sparse", "early stopping split"])
def test_fit_allocates_one_copy_of_X_in_the_training_dtype(case):
    # NumPy reports its allocations to tracemalloc: the fit's peak beside the caller's
    # X is one padded float32 copy of it, plus small arrays (labels, one-hot targets,
    # a boolean finiteness check of a quarter of X), however X comes.
    rng = numpy.random.default_rng(0)
    X = rng.normal(size=(60000, 64))
    y = rng.integers(0, 4, len(X))
    settings = dict(hidden_layer_sizes=(8,), max_iter=1, batch_size=512, random_state=0,
                    dtype="float32")
    if case == "sparse":
        X[numpy.abs(X) < 1.5] = 0.0
        X = sparse.csr_matrix(X)
    if case == "early stopping split":
        settings.update(early_stopping=True, validation_fraction=0.2)
    one_copy = padded_rows(X.shape[0] + 1) * X.shape[1] * 4
    MLPClassifier(**settings).fit(X[:600], y[:600])  # compiles outside the measurement
    tracemalloc.start()
    try:
        MLPClassifier(**settings).fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1.6 * one_copy
