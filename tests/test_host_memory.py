"""Host memory for the training data, kept from one training run to the next."""

import numpy
import pytest

from mlp import FeedForwardNetwork, engine
from mlp.runtime import host_memory
from mlp.runtime.padded_data import padded_rows

keeps = pytest.mark.skipif(not host_memory._KEEPS, reason="this platform's mmap keeps nothing")


@pytest.fixture(autouse=True)
def empty_pool(monkeypatch):
    # Arrays of every size are kept here, so that small ones show what large ones do.
    monkeypatch.setattr(host_memory, "_SMALLEST_KEPT", 1)
    host_memory._KEPT.clear()
    yield
    host_memory._KEPT.clear()


def test_padded_holds_the_values_then_zeros_in_aligned_memory():
    values = numpy.arange(12, dtype=numpy.float64).reshape(4, 3)
    array = host_memory.padded(values, 6, numpy.float32)
    assert array.shape == (6, 3) and array.dtype == numpy.float32
    assert array.flags.c_contiguous and array.flags.writeable
    assert array.ctypes.data % 64 == 0
    numpy.testing.assert_array_equal(array[:4], values.astype(numpy.float32))
    numpy.testing.assert_array_equal(array[4:], 0)


@keeps
def test_a_released_buffer_is_used_again_with_its_padding_written():
    first = host_memory.padded(numpy.ones((5, 2)), 8, numpy.float64)
    address = first.ctypes.data
    first[:] = numpy.nan  # what a run leaves behind
    host_memory.release([first])
    # `first` stays mapped here, so only the kept buffer can have its address.
    again = host_memory.padded(numpy.full((3, 2), 2.0), 8, numpy.float64)
    assert again.ctypes.data == address
    numpy.testing.assert_array_equal(again[:3], 2.0)
    numpy.testing.assert_array_equal(again[3:], 0.0)
    # Another size gets memory of its own.
    other = host_memory.padded(numpy.ones((3, 2)), 9, numpy.float64)
    assert other.ctypes.data != address


@keeps
def test_the_last_few_released_are_kept_same_sizes_included():
    made = [host_memory.padded(numpy.ones((1, 1024)), rows, numpy.float64)
            for rows in (1, 2, 3, 3, 4, 5)]
    host_memory.release(made)
    kept = [len(memory) // 8192 for memory in host_memory._KEPT]
    assert kept == [1, 2, 3, 3, 4, 5][-host_memory._KEPT_COUNT:]
    # The last released of a size goes first; both of the same size are there.
    assert host_memory.empty((3, 1024), numpy.float64).ctypes.data == made[3].ctypes.data
    assert host_memory.empty((3, 1024), numpy.float64).ctypes.data == made[2].ctypes.data


def test_arrays_made_elsewhere_and_small_ones_are_left_alone(monkeypatch):
    import mmap
    host_memory.release([numpy.zeros((4, 4)), numpy.zeros(0)])
    if hasattr(mmap, "MAP_PRIVATE"):
        # A caller's own private memory is not taken either.
        own = mmap.mmap(-1, 1 << 16, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        host_memory.release([numpy.frombuffer(own, dtype=numpy.uint8)])
    monkeypatch.setattr(host_memory, "_SMALLEST_KEPT", 1 << 20)
    small = host_memory.padded(numpy.ones((3, 4)), 5, numpy.float64)
    assert small.ctypes.data % 64 == 0
    host_memory.release([small])
    assert not host_memory._KEPT


def _trained(X, y, **keywords):
    network = FeedForwardNetwork([4, 8, 3], activation="relu", random_state=0)
    network.initialize()
    network.train(X, y, epochs=5, batch_size=16, alpha=0.1, restarts=0, **keywords)
    return [weight.get_value() for weight in network.backend.weights]


@keeps
def test_training_writes_into_the_last_runs_memory_and_learns_the_same(monkeypatch):
    generator = numpy.random.default_rng(0)
    X = generator.normal(size=(50, 4))
    y = generator.integers(0, 3, 50)
    alone = _trained(X, y)
    made = []
    padded = host_memory.padded

    def recording(values, rows, dtype):
        made.append(padded(values, rows, dtype))
        return made[-1]

    monkeypatch.setattr(host_memory, "padded", recording)
    # A run of the same size leaves NaN everywhere in its memory, padding included: a
    # run that did not write its padding again would learn NaN.
    host_memory._KEPT.clear()
    network = FeedForwardNetwork([4, 8, 3], activation="relu", random_state=1)
    network.initialize()
    network.train(X, y, epochs=1, batch_size=16, restarts=0)
    assert network.backend.data is None
    for array in made:
        array[:] = numpy.nan
    # The last run's arrays stay mapped here, so only kept buffers can have their addresses.
    last_run, made[:] = list(made), []
    again = _trained(X, y)
    assert [array.ctypes.data for array in made] == [array.ctypes.data for array in last_run]
    for weights, expected in zip(again, alone):
        numpy.testing.assert_array_equal(weights, expected)


@pytest.mark.skipif(engine.jax is None, reason="JAX's device arrays")
def test_clearing_the_data_deletes_its_device_arrays():
    network = FeedForwardNetwork([4, 8, 3], activation="relu", random_state=0)
    network.initialize()
    network.backend.set_data(numpy.ones((10, 4)), numpy.eye(3)[numpy.arange(10) % 3])
    held = network.backend.data
    network.backend.clear_data()
    assert network.backend.data is None and network.backend.n_samples == 0
    assert all(array.is_deleted() for array in held)


@keeps
def test_a_second_fit_copies_X_into_the_first_fits_memory(monkeypatch):
    from mlp import MLPClassifier
    generator = numpy.random.default_rng(0)
    X = generator.normal(size=(60, 4))
    y = generator.integers(0, 3, 60)

    def fitted():
        model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, batch_size=16, random_state=0)
        return model.fit(X, y).coefs_

    made = []
    empty = host_memory.empty

    def recording(shape, dtype):
        made.append(empty(shape, dtype))
        return made[-1]

    monkeypatch.setattr(host_memory, "empty", recording)
    alone = fitted()
    first = [array for array in made if array.shape[1:] == (4,)]
    assert len(first) == 1
    first[0][:] = numpy.nan  # what a fit leaves behind, padding included
    made.clear()
    again = fitted()
    # `first` stays mapped here, so only kept memory can have its address.
    assert [array.ctypes.data for array in made if array.shape[1:] == (4,)] == [first[0].ctypes.data]
    assert padded_rows(len(X) + 1) == first[0].shape[0]
    for weights, expected in zip(again, alone):
        numpy.testing.assert_array_equal(weights, expected)


@keeps
def test_memory_in_use_is_not_handed_out_during_training():
    # A callback asks for memory of the training arrays' sizes after each epoch and
    # fills it with NaN: had any been given back before training ended, it would be
    # handed out here and training would learn NaN.
    generator = numpy.random.default_rng(0)
    X = generator.normal(size=(50, 4))
    y = generator.integers(0, 3, 50)
    alone = _trained(X, y)
    host_memory._KEPT.clear()
    taken = []
    rows = padded_rows(len(X) + 1)

    def scribble(epoch, logs):
        for shape in ((rows, 4), (rows, 3), (rows,)):
            taken.append(host_memory.empty(shape, numpy.float64))
            taken[-1][:] = numpy.nan

    for weights, expected in zip(_trained(X, y, callback=scribble), alone):
        numpy.testing.assert_array_equal(weights, expected)
    assert len(taken) == 15


def test_a_padded_matrix_stays_its_makers():
    from mlp.runtime.padded_data import padded_matrix
    network = FeedForwardNetwork([4, 8, 3], activation="relu", random_state=0)
    network.initialize()
    X = padded_matrix(numpy.ones((10, 4)), "float64")
    network.backend.set_data(X, numpy.eye(3)[numpy.arange(10) % 3])
    # The targets and row weights are the backend's to give back, X its maker's.
    assert len(network.backend._owned) == 2
    assert not any(numpy.shares_memory(array, X) for array in network.backend._owned)
    network.backend.clear_data()
