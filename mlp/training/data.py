"""What a network trains on: the targets in the network's form and the held-out rows,
checked into one :class:`~mlp.training.loop.TrainingData`.

``FeedForwardNetwork.train`` checks its user's arrays here; ``MLPClassifier`` and
``MLPRegressor`` hand over arrays scikit-learn validated and only turn their targets
into the network's (one-hot rows, indicators or values in its dtype).
"""

import numpy

from mlp.graph.layers import REGRESSION_OUTPUTS
from mlp.training.batches import stratified_split
from mlp.training.loop import TrainingData
from mlp.validation import check_inputs, check_number, check_targets, check_values

__all__ = ["network_targets", "training_data"]


def network_targets(network, targets, n_samples, name="y"):
    """Targets as a matrix of the network's dtype: real values for regression
    (non-negative ones for exponential outputs), else one-hot (or indicator) rows;
    integer labels become one-hot rows."""
    if network.output in REGRESSION_OUTPUTS:
        return check_values(targets, n_samples, network.architecture[-1], network.dtype, name=name,
                            non_negative=network.output == "exponential")
    return check_targets(targets, n_samples, network.architecture[-1], network.dtype, name=name,
                         multilabel=network.output == "sigmoid")


def training_data(network, inputs, targets, weights, validation_data=None, validation_fraction=None):
    """The training rows and the held-out ones: ``validation_data`` checked, or
    ``validation_fraction`` of the rows split off (stratified, drawn from
    ``network.generator``).

    Parameters
    ----------
    network : FeedForwardNetwork
    inputs, targets, weights : ndarray
        Checked training rows in the network's dtype (``weights`` may be None).
    validation_data : tuple (X_val, y_val), optional
    validation_fraction : float in (0, 1), optional

    Returns
    -------
    TrainingData
    """
    if validation_data is not None and validation_fraction is not None:
        raise ValueError(
            "Give either `validation_data` or `validation_fraction`, not both. Received: "
            f"validation_fraction={validation_fraction!r} and validation_data as well"
        )
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError(
                "Received an invalid value for `validation_data`, expected a pair "
                f"(X_val, y_val). Received: validation_data of type {type(validation_data).__name__}"
            )
        validation_inputs = check_inputs(validation_data[0], network.architecture[0], network.dtype,
                                         name="validation_data[0]")
        validation_targets = network_targets(network, validation_data[1], validation_inputs.shape[0],
                                             name="validation_data[1]")
        return TrainingData(inputs, targets, weights, validation_inputs, validation_targets)
    if validation_fraction is None:
        return TrainingData(inputs, targets, weights)
    fraction = check_number("validation_fraction", validation_fraction, minimum=0, maximum=1,
                            include_minimum=False, include_maximum=False)
    # Independent labels and values have no class to stratify by: one stratum.
    strata = targets.argmax(axis=1) if network.output == "softmax" else numpy.zeros(len(targets), int)
    train_rows, validation_rows = stratified_split(strata, fraction, network.generator)
    if validation_rows.size == 0 or train_rows.size == 0:
        raise ValueError(
            f"`validation_fraction`={validation_fraction!r} leaves no rows to "
            f"{'validate on' if validation_rows.size == 0 else 'train on'} with {len(inputs)} rows."
        )
    return TrainingData(
        inputs[train_rows], targets[train_rows],
        None if weights is None else weights[train_rows],
        inputs[validation_rows], targets[validation_rows],
    )
