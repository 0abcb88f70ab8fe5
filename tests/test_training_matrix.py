"""The training matrix: one padded copy of X, made block by block, in aligned memory that
JAX on the CPU uses without a copy (mlp.runtime.padded_data)."""

import tracemalloc

import numpy
import pytest
from scipy import sparse

from mlp import engine
from mlp.network import FeedForwardNetwork
from mlp.runtime import memory
from mlp.runtime.padded_data import padded, padded_matrix, padded_rows
from mlp.runtime.shapes import padded_columns

sklearn = pytest.importorskip("sklearn")
from mlp.sklearn.classifier import MLPClassifier  # noqa: E402


@pytest.fixture
def X():
    # Many blocks, and a row count that is not a padded size.
    return numpy.random.default_rng(0).normal(size=(60001, 7))


def on_the_cpu_with_jax():
    return engine.jax is not None and engine.device.startswith("cpu")


def test_padded_holds_the_values_then_zeros_in_aligned_memory():
    values = numpy.arange(12, dtype=numpy.float64).reshape(4, 3)
    array = padded(values, 6, numpy.float32)
    assert array.shape == (6, 3) and array.dtype == numpy.float32
    assert array.flags.c_contiguous and array.flags.writeable
    assert array.ctypes.data % 64 == 0
    numpy.testing.assert_array_equal(array[:4], values.astype(numpy.float32))
    numpy.testing.assert_array_equal(array[4:], 0)


def test_padded_matrix_holds_the_rows_then_zeros(X):
    padded_X, count = padded_matrix(X, "float32")
    matrix = padded_X[:count, :7]
    assert matrix.shape == X.shape and matrix.dtype == numpy.float32
    numpy.testing.assert_array_equal(matrix, X.astype(numpy.float32))
    # Zero columns too, up to the bucket of 7 columns (mlp.runtime.shapes).
    assert padded_X.shape == (padded_rows(len(X) + 1), padded_columns(7))
    assert padded_X.flags.c_contiguous and padded_X.ctypes.data % 64 == 0
    assert not padded_X[len(X):].any() and not padded_X[:, 7:].any()


def test_padded_matrix_takes_chosen_rows_in_order_from_sparse_input(X):
    X[numpy.abs(X) < 1] = 0.0
    rows = numpy.random.default_rng(1).permutation(len(X))[:30000]
    for given in (X, sparse.csr_matrix(X), sparse.csc_matrix(X)):
        padded_X, count = padded_matrix(given, "float64", rows=rows)
        assert count == len(rows)
        numpy.testing.assert_array_equal(padded_X[:count, :7], X[rows])
        assert padded_X.shape == (padded_rows(30001), padded_columns(7))


def test_padded_matrix_names_the_callers_row_of_a_value_out_of_range(X):
    X[48000, 3] = 1e39
    rows = numpy.arange(len(X))[::-1]
    with pytest.raises(ValueError, match=r"X\[48000, 3\]=1e\+39.*float32"):
        padded_matrix(X, "float32", rows=rows)


def test_backend_takes_a_padded_matrix_without_a_second_copy(X):
    network = FeedForwardNetwork([7, 4, 3], activation="relu", dtype="float32", random_state=0)
    network.initialize()
    backend = network.backend
    matrix, count = padded_matrix(X, "float32")
    targets = numpy.eye(3, dtype=numpy.float32)[numpy.arange(len(X)) % 3]
    backend.set_data(matrix, targets, n_samples=count)
    held = backend.data[0]
    assert held.shape == (padded_rows(len(X) + 1), padded_columns(7)) and backend.n_samples == len(X)
    if on_the_cpu_with_jax():
        # JAX on the CPU uses the buffer itself: the padded matrix is the one copy.
        assert held.unsafe_buffer_pointer() == matrix.ctypes.data
    # The targets and row weights are the backend's own arrays, X its maker's.
    assert not any(numpy.shares_memory(numpy.asarray(array), matrix) for array in backend.data[1:])
    # A caller's own array, given without n_samples, is copied: it may change while the
    # backend holds it.
    own = numpy.zeros((padded_rows(len(X) + 1), 7), dtype=numpy.float32)
    own[:len(X)] = X
    backend.set_data(own[:len(X)], targets)
    assert backend.data[0] is not None
    if on_the_cpu_with_jax():
        assert backend.data[0].unsafe_buffer_pointer() != own.ctypes.data
    backend.clear_data()


@pytest.mark.parametrize("inputs, message", [
    (lambda matrix: matrix[:-1],
     rf"of 61440 rows .*Received: inputs of shape \(61439, {padded_columns(7)}\)"),
    (lambda matrix: matrix.astype(numpy.float64), r"float32 array.*dtype float64"),
    (lambda matrix: numpy.asfortranarray(matrix), r"C-contiguous"),
])
def test_a_padded_matrix_of_the_wrong_shape_or_dtype_is_refused(X, inputs, message):
    network = FeedForwardNetwork([7, 4, 3], activation="relu", dtype="float32", random_state=0)
    network.initialize()
    matrix, count = padded_matrix(X, "float32")
    targets = numpy.eye(3, dtype=numpy.float32)[numpy.arange(len(X)) % 3]
    with pytest.raises(ValueError, match=message):
        network.backend.set_data(inputs(matrix), targets, n_samples=count)
    assert network.backend.data is None


def test_the_seed_front_ends_padded_data_is_the_device_data(monkeypatch, X):
    # set_data pads a caller's arrays into aligned memory, which JAX on the CPU uses as
    # it is: one copy, in the memory the minibatch gathers run fastest from.
    from mlp.runtime import backend as backend_module
    made = []

    def recording(values, rows, dtype, columns=None):
        made.append(padded(values, rows, dtype, columns))
        return made[-1]

    monkeypatch.setattr(backend_module, "padded", recording)
    network = FeedForwardNetwork([7, 4, 3], activation="relu", dtype="float32", random_state=0)
    network.initialize()
    targets = numpy.eye(3, dtype=numpy.float32)[numpy.arange(len(X)) % 3]
    inputs = X.astype(numpy.float32)
    network.backend.set_data(inputs, targets)
    assert [array.ctypes.data % 64 for array in made] == [0, 0, 0]
    numpy.testing.assert_array_equal(numpy.asarray(network.backend.data[0])[:len(X), :7], inputs)
    if on_the_cpu_with_jax():
        held = [value.unsafe_buffer_pointer() for value in network.backend.data]
        assert held == [array.ctypes.data for array in made]


@pytest.mark.skipif(engine.jax is None, reason="JAX's device arrays")
def test_clearing_the_data_deletes_its_device_arrays():
    network = FeedForwardNetwork([4, 8, 3], activation="relu", random_state=0)
    network.initialize()
    network.backend.set_data(numpy.ones((10, 4)), numpy.eye(3)[numpy.arange(10) % 3])
    held = network.backend.data
    network.backend.clear_data()
    assert network.backend.data is None and network.backend.n_samples == 0
    assert all(array.is_deleted() for array in held)


def test_a_matrix_beyond_half_the_available_memory_is_refused(monkeypatch, X):
    monkeypatch.setattr(memory, "available_memory", lambda: 400_000)
    columns = padded_columns(7)
    size = f"{61440 * columns * 4 / 1e6:.1f}".replace(".", r"\.")
    expected = rf"`X` needs a 61440 x {columns} float32 matrix of {size} MB, more than half of the 0\.4 MB"
    with pytest.raises(MemoryError, match=expected):
        padded_matrix(X, "float32")


def test_fit_refused_for_memory_leaves_the_model_as_it_was(monkeypatch, X):
    y = numpy.arange(len(X)) % 3
    model = MLPClassifier((4,), max_iter=2, random_state=0).fit(X[:100], y[:100])
    before = [coef.copy() for coef in model.coefs_]
    monkeypatch.setattr(memory, "available_memory", lambda: 1000)
    with pytest.raises(MemoryError, match="more than half"):
        model.fit(X, y)
    for coef, kept in zip(model.coefs_, before):
        numpy.testing.assert_array_equal(coef, kept)
    assert model.n_features_in_ == 7


@pytest.mark.parametrize("case", ["float64 to float32", "sparse", "early stopping split"])
def test_fit_allocates_one_copy_of_X_in_the_training_dtype(case):
    # NumPy reports its allocations to tracemalloc: the fit's peak beside the caller's
    # X is one padded float32 copy of it, plus small arrays (labels, one-hot targets,
    # a boolean finiteness check of a quarter of X), however X comes. The copy itself
    # is NumPy's, so it is seen (JAX's own memory would not be: the device array
    # shares the copy's, test_backend_takes_a_padded_matrix_without_a_second_copy).
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
    assert one_copy <= peak < 1.6 * one_copy
