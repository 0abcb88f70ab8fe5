"""Checks of user input: each returns the clean value or raises an error naming the
parameter and the value received, before anything about the network changes."""

import math
import numbers
import sys

import numpy

__all__ = [
    "check_number", "check_choice", "check_architecture", "check_inputs", "check_targets",
    "check_sample_weights", "check_range", "check_values", "check_non_negative",
]


def _invalid(name, expected, value):
    return f"Received an invalid value for `{name}`, expected {expected}. Received: {name}={value!r}"


def check_number(name, value, *, minimum=None, maximum=None, include_minimum=True,
                 include_maximum=True, integer=False):
    """Return ``value`` as a float (or int when ``integer``) inside the given bounds.

    Raises
    ------
    TypeError
        When ``value`` is not a real number (or not a whole number when ``integer``).
    ValueError
        When it is NaN or outside the bounds.
    """
    low = "[" if include_minimum else "("
    high = "]" if include_maximum else ")"
    kind = "an integer" if integer else "a number"
    if minimum is not None or maximum is not None:
        lower = "-inf" if minimum is None else minimum
        upper = "inf" if maximum is None else maximum
        expected = f"{kind} in {low}{lower}, {upper}{high}"
    else:
        expected = kind
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(_invalid(name, expected, value))
    if integer:
        # A whole float such as 1e4 is accepted; 2.5 is a wrong value, not a wrong type.
        if not isinstance(value, numbers.Integral) and not float(value).is_integer():
            raise ValueError(_invalid(name, expected, value))
        number = int(value)
    else:
        number = float(value)
        if math.isnan(number):
            raise ValueError(_invalid(name, expected, value))
    too_low = minimum is not None and (number < minimum or (number == minimum and not include_minimum))
    too_high = maximum is not None and (number > maximum or (number == maximum and not include_maximum))
    if too_low or too_high:
        raise ValueError(_invalid(name, expected, value))
    return number


def check_choice(name, value, choices):
    """Return ``value`` if it is one of ``choices``, else a ValueError listing them."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(_invalid(name, f"one of {sorted(choices)}", value))
    return value


def check_architecture(architecture):
    """Return ``architecture`` as a list of at least two positive integers."""
    expected = "a list of at least 2 positive integers (input, hidden..., output units)"
    if isinstance(architecture, (str, bytes)) or not hasattr(architecture, "__len__"):
        raise TypeError(_invalid("architecture", expected, architecture))
    sizes = list(architecture)
    if len(sizes) < 2:
        raise ValueError(_invalid("architecture", expected, architecture))
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, numbers.Integral):
            raise TypeError(_invalid("architecture", expected, architecture))
        if size < 1:
            raise ValueError(_invalid("architecture", expected, architecture))
    return [int(size) for size in sizes]


def _is_sparse(value):
    """Whether ``value`` is a scipy.sparse matrix or array, without importing scipy:
    when scipy.sparse was never imported, nothing can be one of its matrices."""
    sparse = sys.modules.get("scipy.sparse")
    return sparse is not None and sparse.issparse(value)


def _as_numeric_array(name, value):
    if _is_sparse(value):
        raise TypeError(
            f"`{name}` is a sparse matrix ({type(value).__name__}), but the network takes dense "
            f"arrays: pass {name}.toarray() instead. Received: {name} of type {type(value).__name__} "
            f"with shape {value.shape}"
        )
    try:
        array = numpy.asarray(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"`{name}` must be an array of numbers. Received: {name}={value!r}") from error
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"`{name}` must be an array of numbers. Received: {name} of dtype {array.dtype}"
        )
    return array


def _check_rows(name, array, n_samples):
    """Refuse targets whose row count is not the inputs'."""
    if array.shape[0] != n_samples:
        raise ValueError(
            f"`{name}` has {array.shape[0]} rows but X has {n_samples}. "
            f"Received: {name} with shape {array.shape}"
        )


def _check_finite(name, array):
    """Refuse NaN and infinity, naming the first such entry."""
    if not numpy.isfinite(array).all():
        index = tuple(int(i) for i in numpy.argwhere(~numpy.isfinite(array))[0])
        where = f"[{', '.join(str(i) for i in index)}]"
        raise ValueError(f"`{name}` contains NaN or infinity: {name}{where}={array[index]}")


def check_non_negative(name, array, reason="targets of a Poisson regression"):
    """Refuse a negative entry of ``array``, naming the first one: ``reason`` says what
    the values are, for the message."""
    negative = numpy.asarray(array) < 0
    if negative.any():
        index = tuple(int(i) for i in numpy.argwhere(negative)[0])
        where = f"[{', '.join(str(i) for i in index)}]"
        raise ValueError(
            f"`{name}` must hold non-negative values ({reason}). "
            f"Received: {name}{where}={numpy.asarray(array)[index]}"
        )


def check_range(name, array, dtype, row_numbers=None):
    """Refuse finite values too large for ``dtype`` (e.g. 1e39 for float32): converting
    them would make them infinite, and the message would then blame the user's data
    for an infinity it does not hold. ``row_numbers``: the caller's row number of each
    row of ``array`` (a block of a larger matrix), for the message."""
    largest = numpy.finfo(dtype).max
    if array.dtype.kind != "f" or numpy.finfo(array.dtype).max <= largest:
        return
    too_large = numpy.abs(array) > largest
    if too_large.any():
        index = tuple(int(i) for i in numpy.argwhere(too_large)[0])
        value = array[index]
        if row_numbers is not None:
            index = (int(row_numbers[index[0]]), *index[1:])
        where = f"[{', '.join(str(i) for i in index)}]"
        raise ValueError(
            f"`{name}` holds {name}{where}={value}, outside the {numpy.dtype(dtype).name} "
            f"range of the network (largest magnitude {largest}): it would become infinite. "
            f"Scale the data, or use a network with dtype='float64'."
        )


def check_inputs(inputs, n_features, dtype, name="X"):
    """Return the input matrix as a C-contiguous array of ``dtype``.

    Raises
    ------
    TypeError
        When ``inputs`` is not numeric, or is a scipy.sparse matrix (the message says
        to pass ``inputs.toarray()``).
    ValueError
        When it is not 2-D, is empty, holds NaN or infinity, holds a value outside
        the range of ``dtype`` (such as 1e39 for float32, which would become
        infinite), or its column count differs from ``n_features`` (the network's
        input units).
    """
    array = _as_numeric_array(name, inputs)
    if array.ndim != 2:
        raise ValueError(
            f"`{name}` must be a 2-D array (n_samples, n_features). "
            f"Received: {name} with shape {array.shape}"
        )
    if array.shape[0] == 0:
        raise ValueError(f"`{name}` has no rows. Received: {name} with shape {array.shape}")
    if array.shape[1] != n_features:
        raise ValueError(
            f"`{name}` has {array.shape[1]} columns but the network expects "
            f"architecture[0]={n_features}. Received: {name} with shape {array.shape}"
        )
    _check_finite(name, array)
    check_range(name, array, dtype)
    return numpy.ascontiguousarray(array, dtype=dtype)


def check_targets(targets, n_samples, n_classes, dtype, name="y", multilabel=False):
    """Return the targets as one-hot rows of ``dtype``, shape ``(n_samples, n_classes)``.

    ``targets`` is either one-hot (or probability) rows, as in the seed, or a vector
    of integer labels in ``[0, n_classes)``. With ``multilabel`` it is an indicator
    matrix: values in [0, 1], any number of ones per row.
    """
    array = _as_numeric_array(name, targets)
    if array.ndim == 2 and array.shape[1] == 1 and n_classes != 1:
        array = array[:, 0]
    if array.ndim not in (1, 2):
        raise ValueError(
            f"`{name}` must be a vector of integer labels or a 2-D one-hot matrix. "
            f"Received: {name} with shape {array.shape}"
        )
    _check_rows(name, array, n_samples)
    _check_finite(name, array)
    if array.ndim == 1:
        if multilabel:
            raise ValueError(
                f"`{name}` must be an indicator matrix (n_samples, {n_classes}) for a network "
                f"with output='sigmoid'. Received: {name} with shape {array.shape}"
            )
        return _one_hot(array, n_classes, dtype, name)
    if array.shape[1] != n_classes:
        raise ValueError(
            f"`{name}` has {array.shape[1]} columns but the network has "
            f"architecture[-1]={n_classes} output units. Received: {name} with shape {array.shape}"
        )
    if (array < 0).any() or (array > 1).any():
        index = tuple(int(i) for i in numpy.argwhere((array < 0) | (array > 1))[0])
        raise ValueError(
            f"`{name}` must hold values in [0, 1] (one-hot rows). "
            f"Received: {name}{list(index)}={array[index]}"
        )
    if multilabel:
        return numpy.ascontiguousarray(array, dtype=dtype)
    row_sums = array.sum(axis=1)
    wrong = numpy.flatnonzero(numpy.abs(row_sums - 1) > 1e-6)
    if wrong.size:
        raise ValueError(
            f"Each row of `{name}` must sum to 1 (one-hot). "
            f"Received: {name}[{wrong[0]}] summing to {row_sums[wrong[0]]}"
        )
    return numpy.ascontiguousarray(array, dtype=dtype)


def _one_hot(labels, n_classes, dtype, name):
    fractional = labels[~numpy.equal(numpy.mod(labels, 1), 0)]
    if fractional.size:
        raise ValueError(
            f"`{name}` as a vector must hold integer class labels. Received the label {fractional[0]}"
        )
    # Checked before the conversion to integers, which would garble a label such as 1e39.
    out_of_range = labels[(labels < 0) | (labels >= n_classes)]
    if out_of_range.size:
        raise ValueError(
            f"`{name}` holds the label {out_of_range[0]} but the network has "
            f"architecture[-1]={n_classes} output units (labels 0 to {n_classes - 1})."
        )
    labels = labels.astype(numpy.int64)
    one_hot = numpy.zeros((labels.shape[0], n_classes), dtype=dtype)
    one_hot[numpy.arange(labels.shape[0]), labels] = 1
    return one_hot


def check_sample_weights(sample_weights, n_samples, dtype, name="sample_weight"):
    """Return per-row weights as a vector of ``dtype``: finite, non-negative, not all zero."""
    array = _as_numeric_array(name, sample_weights)
    if array.ndim != 1 or array.shape[0] != n_samples:
        raise ValueError(
            f"`{name}` must be a vector with one weight per row of X ({n_samples}). "
            f"Received: {name} with shape {array.shape}"
        )
    bad = array[~numpy.isfinite(array) | (array < 0)]
    if bad.size or array.sum() <= 0:
        received = f"a weight of {bad[0]}" if bad.size else "only zeros"
        raise ValueError(
            f"`{name}` must hold finite, non-negative weights that are not all zero. "
            f"Received: {received}"
        )
    check_range(name, array, dtype)
    return numpy.ascontiguousarray(array, dtype=dtype)


def check_values(targets, n_samples, n_outputs, dtype, name="y", non_negative=False):
    """Return real-valued regression targets as a matrix ``(n_samples, n_outputs)`` of
    ``dtype``: a vector is one output (``n_outputs`` must then be 1); with
    ``non_negative`` (Poisson regression) no value may be below 0.

    Raises
    ------
    TypeError
        When ``targets`` is not numeric (strings, class names: a regressor needs numbers),
        or is a scipy.sparse matrix.
    ValueError
        When its shape does not fit (rows other than ``n_samples``, columns other than
        ``n_outputs``), or it holds NaN, infinity, a value outside ``dtype``'s range,
        or, with ``non_negative``, a negative value.
    """
    try:
        array = _as_numeric_array(name, targets)
    except TypeError as error:
        raise TypeError(
            f"{error}. A regression network (output='identity' or 'exponential') takes "
            f"real-valued targets; for class labels use output='softmax'."
        ) from None
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise ValueError(
            f"`{name}` must be a vector or a matrix (n_samples, n_outputs) of target values. "
            f"Received: {name} with shape {array.shape}"
        )
    _check_rows(name, array, n_samples)
    if array.shape[1] != n_outputs:
        raise ValueError(
            f"`{name}` has {array.shape[1]} target column(s) but the network has "
            f"architecture[-1]={n_outputs} outputs. Received: {name} with shape {array.shape}"
        )
    _check_finite(name, array)
    if non_negative:
        check_non_negative(name, array)
    check_range(name, array, dtype)
    return numpy.ascontiguousarray(array, dtype=dtype)
