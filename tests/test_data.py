"""The row bookkeeping of ``mlp.training.batches``: minibatches and the stratified validation split."""

import numpy
import pytest

from mlp.training.batches import minibatches, stratified_split


def test_minibatches_in_order_cover_every_row_once_with_a_short_last_batch():
    batches = minibatches(10, 4)
    assert [batch.tolist() for batch in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_a_batch_larger_than_the_data_is_one_batch_of_every_row():
    assert [batch.tolist() for batch in minibatches(3, 100)] == [[0, 1, 2]]


def test_no_rows_make_no_batches():
    assert minibatches(0, 4) == []


def test_shuffled_minibatches_are_a_permutation_drawn_from_the_generator():
    batches = minibatches(10, 3, numpy.random.default_rng(0))
    assert [len(batch) for batch in batches] == [3, 3, 3, 1]
    order = numpy.concatenate(batches)
    assert sorted(order.tolist()) == list(range(10))
    numpy.testing.assert_array_equal(order, numpy.random.default_rng(0).permutation(10))


def test_each_call_with_one_generator_draws_a_new_order():
    generator = numpy.random.default_rng(1)
    first = numpy.concatenate(minibatches(20, 5, generator))
    second = numpy.concatenate(minibatches(20, 5, generator))
    assert sorted(first.tolist()) == sorted(second.tolist()) == list(range(20))
    assert not numpy.array_equal(first, second)


def test_the_split_keeps_each_class_proportion_and_loses_no_row():
    labels = numpy.array([0] * 50 + [1] * 30 + [2] * 20)
    train_rows, validation_rows = stratified_split(labels, 0.1, numpy.random.default_rng(0))
    assert numpy.bincount(labels[validation_rows]).tolist() == [5, 3, 2]
    assert numpy.bincount(labels[train_rows]).tolist() == [45, 27, 18]
    assert sorted(numpy.concatenate([train_rows, validation_rows]).tolist()) == list(range(100))
    # Both parts come back sorted, as row indices into the data.
    assert (numpy.diff(train_rows) > 0).all() and (numpy.diff(validation_rows) > 0).all()


@pytest.mark.parametrize("fraction", [0.001, 0.999])
def test_every_class_of_two_rows_or_more_is_in_both_parts(fraction):
    labels = numpy.array([0] * 10 + [1] * 2)
    train_rows, validation_rows = stratified_split(labels, fraction, numpy.random.default_rng(0))
    assert set(labels[validation_rows].tolist()) == {0, 1}
    assert set(labels[train_rows].tolist()) == {0, 1}


def test_a_class_of_one_row_stays_in_the_training_part():
    labels = numpy.array([0, 0, 0, 0, 1])
    train_rows, validation_rows = stratified_split(labels, 0.5, numpy.random.default_rng(0))
    assert 4 in train_rows.tolist() and 4 not in validation_rows.tolist()
    assert numpy.bincount(labels[validation_rows], minlength=2).tolist() == [2, 0]


def test_the_split_is_drawn_from_the_generator():
    labels = numpy.arange(40) % 2
    first = stratified_split(labels, 0.25, numpy.random.default_rng(3))
    again = stratified_split(labels, 0.25, numpy.random.default_rng(3))
    other = stratified_split(labels, 0.25, numpy.random.default_rng(4))
    numpy.testing.assert_array_equal(first[1], again[1])
    assert not numpy.array_equal(first[1], other[1])
