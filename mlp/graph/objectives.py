"""The cost: the data term (mean categorical or binary cross-entropy, or for regression
half the mean squared error or half the Poisson deviance) and the L2 penalty."""

import numpy

from mlp import engine

__all__ = ["log_softmax", "categorical_crossentropy", "binary_crossentropy", "squared_error",
           "poisson_deviance", "l2_penalty", "OBJECTIVES"]


def log_softmax(logits):
    """Row-wise ``log(softmax(logits))``, computed without overflow or ``log(0)``.

    Subtracting each row's maximum keeps ``exp`` finite; the maximum carries no
    gradient because log-softmax does not change when a row is shifted.
    """
    tensor = engine.tensor
    row_maximum = engine.disconnected_grad(tensor.max(logits, axis=1, keepdims=True))
    shifted = logits - row_maximum
    return shifted - tensor.log(_sum(tensor.exp(shifted), axis=1, keepdims=True))


def _sum(values, **keywords):
    # Accumulated in the values' own type: the engines' default float64 accumulator
    # would make JAX compute every later step, gradients included, in float64.
    return engine.tensor.sum(values, acc_dtype=values.dtype, **keywords)


def categorical_crossentropy(logits, targets, sample_weights=None):
    """Mean categorical cross-entropy between ``softmax(logits)`` and ``targets``.

    Parameters
    ----------
    logits : symbolic matrix (n_samples, n_classes)
        The output layer's values before the softmax.
    targets : symbolic matrix (n_samples, n_classes)
        One-hot (or probability) rows.
    sample_weights : symbolic vector (n_samples,), optional
        Weight of each row: the result is then ``sum(w * loss) / sum(w)``.

    Returns
    -------
    symbolic scalar
        ``-mean(sum(targets * log_softmax(logits), axis=1))``: finite even when the
        softmax saturates to exactly 0 or 1 in floating point.
    """
    per_sample = -_sum(targets * log_softmax(logits), axis=1)
    return _weighted_mean(per_sample, sample_weights)


def binary_crossentropy(logits, targets, sample_weights=None):
    """Independent sigmoid outputs (multilabel): per row, the sum over outputs of the
    binary cross-entropy, then the (weighted) mean over rows, as scikit-learn's.

    ``-t log(sigmoid(z)) - (1 - t) log(1 - sigmoid(z))`` is written
    ``max(z, 0) - t z + log(1 + exp(-|z|))``, which neither overflows nor takes log(0).
    """
    tensor = engine.tensor
    per_output = (tensor.maximum(logits, 0) - targets * logits
                  + tensor.log1p(tensor.exp(-abs(logits))))
    per_sample = _sum(per_output, axis=1)
    return _weighted_mean(per_sample, sample_weights)


def squared_error(outputs, targets, sample_weights=None):
    """Half the mean squared error of linear outputs (regression), scikit-learn's
    ``squared_loss``: ``0.5 * average((targets - outputs) ** 2, weights=w, axis=0).mean()``.

    Parameters
    ----------
    outputs : symbolic matrix (n_samples, n_outputs)
        The identity output layer's values (its logits are its outputs).
    targets : symbolic matrix (n_samples, n_outputs)
        Real-valued targets.
    sample_weights : symbolic vector (n_samples,), optional
        Weight of each row: each row's mean over outputs of the squared error is
        averaged over rows with these weights, which is scikit-learn's weighted average
        over rows then mean over outputs.

    Returns
    -------
    symbolic scalar
    """
    tensor = engine.tensor
    residuals = targets - outputs
    n_outputs = tensor.cast(residuals.shape[1], residuals.dtype)
    per_sample = _sum(residuals * residuals, axis=1) / (2 * n_outputs)
    return _weighted_mean(per_sample, sample_weights)


def poisson_deviance(logits, targets, sample_weights=None):
    """Half the Poisson deviance of exponential outputs (count regression), scikit-learn's
    ``poisson_loss``: ``average(xlogy(t, t / exp(z)) - t + exp(z), weights=w, axis=0).sum()``.

    Parameters
    ----------
    logits : symbolic matrix (n_samples, n_outputs)
        The output layer's values before the exponential: the log of the predicted mean.
    targets : symbolic matrix (n_samples, n_outputs)
        Non-negative targets (counts, or any non-negative values).
    sample_weights : symbolic vector (n_samples,), optional
        Weight of each row in the mean over rows.

    Returns
    -------
    symbolic scalar
        Per row, the sum over outputs of ``exp(z) - t z + (t log t - t)``, then the
        (weighted) mean over rows. Written from the logits, the loss never takes the
        log of a prediction that rounded to zero. The term ``t log t - t`` (0 for
        ``t = 0``) has no gradient; it makes the loss 0 for a perfect prediction,
        as scikit-learn's ``loss_``.
    """
    tensor = engine.tensor
    # 0 log(tiny) is 0, the limit of t log t at 0, where log(0) would give 0 * -inf.
    tiny = tensor.constant(numpy.finfo(targets.dtype).tiny, dtype=targets.dtype)
    constant = targets * tensor.log(tensor.maximum(targets, tiny)) - targets
    per_output = tensor.exp(logits) - targets * logits + constant
    per_sample = _sum(per_output, axis=1)
    return _weighted_mean(per_sample, sample_weights)


def _weighted_mean(per_sample, sample_weights):
    tensor = engine.tensor
    if sample_weights is None:
        return _sum(per_sample) / tensor.cast(per_sample.shape[0], per_sample.dtype)
    # A minibatch whose rows all weigh zero costs 0, not 0 / 0.
    smallest = tensor.constant(1e-30, dtype=sample_weights.dtype)
    total_weight = tensor.maximum(_sum(sample_weights), smallest)
    return _sum(sample_weights * per_sample) / total_weight


# The data term each output layer trains on, by the layer's activation.
OBJECTIVES = {"softmax": categorical_crossentropy, "sigmoid": binary_crossentropy,
              "identity": squared_error, "exponential": poisson_deviance}


def l2_penalty(parameters):
    """Sum of the squares of every entry of every parameter (the seed's L2 term)."""
    penalty = 0
    for parameter in parameters:
        # An element-wise square and sum, which XLA fuses into one loop; a dot
        # product of the flattened parameter would be a separate matrix call each.
        penalty = penalty + _sum(parameter * parameter)
    return penalty
