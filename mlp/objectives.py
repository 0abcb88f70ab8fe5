"""The cost: mean categorical cross-entropy (the data term) and the L2 penalty."""

from mlp import engine

__all__ = ["log_softmax", "categorical_crossentropy", "l2_penalty"]


def log_softmax(logits):
    """Row-wise ``log(softmax(logits))``, computed without overflow or ``log(0)``.

    Subtracting each row's maximum keeps ``exp`` finite; the maximum carries no
    gradient because log-softmax does not change when a row is shifted.
    """
    tensor = engine.tensor
    row_maximum = engine.disconnected_grad(tensor.max(logits, axis=1, keepdims=True))
    shifted = logits - row_maximum
    return shifted - tensor.log(tensor.sum(tensor.exp(shifted), axis=1, keepdims=True))


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
    tensor = engine.tensor
    per_sample = -tensor.sum(targets * log_softmax(logits), axis=1)
    if sample_weights is None:
        return tensor.mean(per_sample)
    return tensor.sum(sample_weights * per_sample) / tensor.sum(sample_weights)


def l2_penalty(parameters):
    """Sum of the squares of every entry of every parameter (the seed's L2 term)."""
    tensor = engine.tensor
    penalty = 0
    for parameter in parameters:
        penalty = penalty + tensor.sum(parameter**2)
    return penalty
