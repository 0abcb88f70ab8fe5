"""Row bookkeeping for training: minibatches and the stratified validation split."""

import numpy

__all__ = ["minibatches", "stratified_split"]


def minibatches(n_samples, batch_size, generator=None):
    """Split ``range(n_samples)`` into index vectors of at most ``batch_size`` rows.

    With a ``generator`` the rows are shuffled first (a new order every call).
    """
    order = generator.permutation(n_samples) if generator is not None else numpy.arange(n_samples)
    return [order[start:start + batch_size] for start in range(0, n_samples, batch_size)]


def stratified_split(labels, fraction, generator):
    """Row indices of a training and a validation part with the classes' proportions.

    Parameters
    ----------
    labels : ndarray of int (n_samples,)
    fraction : float in (0, 1)
        Share of each class's rows that goes to the validation part (at least one
        row of every class that has two or more).
    generator : numpy.random.Generator

    Returns
    -------
    train_rows, validation_rows : ndarray of int
    """
    train_rows, validation_rows = [], []
    for label in numpy.unique(labels):
        rows = generator.permutation(numpy.flatnonzero(labels == label))
        count = int(round(fraction * rows.size))
        if rows.size >= 2:
            count = min(max(count, 1), rows.size - 1)
        else:
            count = 0
        validation_rows.append(rows[:count])
        train_rows.append(rows[count:])
    return numpy.sort(numpy.concatenate(train_rows)), numpy.sort(numpy.concatenate(validation_rows))
