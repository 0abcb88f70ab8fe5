"""What ``MLPClassifier`` and ``MLPRegressor`` hand the training loop: their
parameters mapped onto one :class:`~mlp.training.loop.TrainingSettings`, and the arrays
scikit-learn validated as one :class:`~mlp.training.loop.TrainingData`."""

import warnings

import numpy

from mlp.training.data import network_targets
from mlp.training.loop import TrainingData
from mlp.training.settings import training_settings
from mlp.validation import check_sample_weights

__all__ = ["settings_for", "data_for", "training_arguments", "batch_size", "rows_per_step",
           "print_iteration"]


def print_iteration(epoch, logs):
    """scikit-learn's verbose lines for one epoch of ``"sgd"`` or ``"adam"``."""
    print(f"Iteration {epoch}, loss = {logs['total_loss']:.8f}")
    if "validation_score" in logs:
        print(f"Validation score: {logs['validation_score']:f}")


def rows_per_step(estimator, n_samples):
    """Rows per step, without a warning: ``"auto"`` is ``min(200, n_samples)``, larger
    is clipped to ``n_samples``."""
    if estimator.batch_size == "auto":
        return min(200, n_samples)
    return int(numpy.clip(estimator.batch_size, 1, n_samples))


def batch_size(estimator, n_samples):
    """:func:`rows_per_step`, warning as scikit-learn does when ``batch_size`` is
    clipped."""
    if estimator.batch_size != "auto" and estimator.batch_size > n_samples:
        warnings.warn(
            "Got `batch_size` less than 1 or larger than sample size. It is going to be clipped",
            stacklevel=7,
        )
    return rows_per_step(estimator, n_samples)


def settings_for(estimator, network, *, n_samples, weights, incremental, scorer, callback):
    """The :class:`~mlp.training.loop.TrainingSettings` of one training call of ``network``
    (arguments as :func:`training_arguments`'s), checked as ``network.train`` checks its
    options."""
    options = training_arguments(estimator, n_samples=n_samples, weights=weights,
                                 incremental=incremental, scorer=scorer, callback=callback)
    settings = training_settings(network, n_samples, scorer is not None, **options)
    # scikit-learn's early stopping keeps the best epoch's weights when the loss
    # diverges later (its issue #29504); without validation rows a divergence raises.
    settings.divergence_ends_attempt = scorer is not None
    settings.average_around_best = bool(estimator._average_around_best)
    return settings


def data_for(network, training, scorer, label_smoothing=0.0):
    """The :class:`~mlp.training.loop.TrainingData` of ``network`` from the estimator's
    validated arrays: the targets become the network's (one-hot rows, indicators or
    values in its dtype), the padded ``X`` is handed on as it is (the one copy of the
    rows, :attr:`TrainingData.padded_inputs`).

    Parameters
    ----------
    network : FeedForwardNetwork
    training : tuple ((matrix, n_samples), targets, weights)
        What :func:`mlp.runtime.padded_data.padded_matrix` returned for ``X``, the
        estimator's targets (labels' indices, indicators or values) and the row
        weights (or None).
    scorer : ValidationScorer or None
        Holds the validation rows, ``X_val`` already dense in the network's dtype.
    label_smoothing : float in [0, 1), default 0
        Share of each training target replaced by a uniform one: a one-hot row
        becomes ``(1 - s) * row + s / n_classes``, an indicator ``(1 - s) * y + s / 2``
        (classification only; the validation targets stay as they are).
    """
    (matrix, n_samples), targets, weights = training
    targets = network_targets(network, targets, n_samples)
    if label_smoothing and network.output in ("softmax", "sigmoid"):
        classes = targets.shape[1] if network.output == "softmax" else 2
        targets = (1 - label_smoothing) * targets + label_smoothing / classes
    if weights is not None:
        weights = check_sample_weights(weights, n_samples, network.dtype)
    X_val = y_val = None
    if scorer is not None:
        X_val, y_val = scorer.validation_data
        y_val = network_targets(network, y_val, X_val.shape[0], name="validation_data[1]")
    # The rows and the network's own columns (the matrix has spare ones, mlp.runtime.shapes).
    inputs = matrix[:n_samples, :network.architecture[0]]
    return TrainingData(inputs, targets, weights, X_val, y_val, padded_inputs=matrix)


def training_arguments(estimator, *, n_samples, weights, incremental, scorer, callback):
    """The options of ``network.train`` for one call (see
    :func:`mlp.training.settings.training_settings`), the data apart.

    Parameters
    ----------
    estimator : BaseMultilayerPerceptron
    n_samples : int
        Training rows of this call.
    weights : ndarray or None
        Their sample weights.
    incremental : bool
        ``partial_fit``: one epoch, continuing the optimiser's state.
    scorer : ValidationScorer or None
        The validation set and what early stopping watches on it.
    callback : callable or None
        ``callback(epoch, logs)`` after each epoch (scikit-learn's callbacks).
    """
    # scikit-learn divides the L2 term by the batch's sum of sample weights (its row
    # count without weights); the mean weight turns our row count into that sum,
    # exactly for a full batch and on average for minibatches.
    mean_weight = 1.0 if weights is None else float(numpy.mean(weights))
    # No progress bar and none of the network's own ConvergenceWarnings: the
    # estimators print and warn as scikit-learn does.
    arguments = dict(target_cost=0.0, tol=float(estimator.tol), tol_rule="absolute", restarts=0,
                     verbose=False, convergence_warnings=False,
                     beta_1=float(estimator.beta_1), beta_2=float(estimator.beta_2),
                     epsilon=float(estimator.epsilon), keep_optimizer_state=incremental,
                     callback=callback)
    if estimator.clip_norm is not None:
        arguments["clip_norm"] = float(estimator.clip_norm)
    if estimator.solver == "lbfgs":
        # scikit-learn's L-BFGS has no plateau or early-stopping rule: only max_iter,
        # max_fun and the optimiser's own tolerances end it.
        return dict(arguments, reg_lambda=estimator.alpha / (2 * n_samples * mean_weight),
                    epochs=int(estimator.max_iter), momentum=0.0, optimizer="lbfgs",
                    patience=int(estimator.max_iter) + 1, early_stopping=False,
                    max_fun=int(estimator.max_fun))
    rows = batch_size(estimator, n_samples)
    if estimator.n_iter_no_change == numpy.inf:
        patience = int(estimator.max_iter) + 1
    else:
        # scikit-learn stops when the count of epochs without progress *exceeds*
        # n_iter_no_change; the network when it reaches patience.
        patience = int(estimator.n_iter_no_change) + 1
    if estimator.solver == "sgd":
        optimizer = "nesterov" if estimator.nesterovs_momentum else "momentum"
        momentum = float(estimator.momentum)
        if estimator.learning_rate == "invscaling":
            arguments.update(schedule="invscaling", power_t=float(estimator.power_t))
        elif estimator.learning_rate == "adaptive":
            arguments.update(schedule="reduce_on_plateau", schedule_factor=5.0, schedule_patience=2)
    else:
        # Adam ignores learning_rate and momentum, as in scikit-learn.
        optimizer, momentum = "adam", 0.0
    if scorer is not None:
        arguments.update(early_stopping=True, validation_score=scorer.hook)
    if estimator._schedule is not None and optimizer == "adam" and not incremental:
        arguments["schedule"] = estimator._schedule
    if estimator.verbose:
        arguments["callback"] = _chain(print_iteration, callback)
    return dict(arguments, alpha=float(estimator.learning_rate_init),
                reg_lambda=estimator.alpha / (2 * rows * mean_weight),
                epochs=1 if incremental else int(estimator.max_iter), momentum=momentum,
                optimizer=optimizer, batch_size=rows, shuffle=bool(estimator.shuffle),
                patience=patience, min_delta=float(estimator.tol))


def _chain(first, second):
    """One per-epoch callback that calls ``first``, then ``second`` when there is one."""
    if second is None:
        return first

    def both(epoch, logs):
        first(epoch, logs)
        second(epoch, logs)

    return both
