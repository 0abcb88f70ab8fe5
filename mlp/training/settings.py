"""How a network trains: the options of ``FeedForwardNetwork.train``, checked into one
:class:`~mlp.training.loop.TrainingSettings`, and their documentation.

Both front ends build the settings (and, with :mod:`mlp.training.data`, the data) and
hand them to the training loop: the seed's ``FeedForwardNetwork.train`` from its
user's arguments, ``MLPClassifier`` and ``MLPRegressor`` from their parameters.
"""

import math

import numpy

from mlp.graph.layers import REGRESSION_OUTPUTS
from mlp.runtime.backend import OPTIMIZERS, REG_LAMBDA
from mlp.training.loop import TrainingSettings
from mlp.validation import check_choice, check_number

__all__ = ["training_settings", "document_options"]

# The entries of ``FeedForwardNetwork.train``'s options in its docstring (indented as
# there), after ``X`` and ``y``: written here, beside the code that checks them.
_OPTIONS = """\
        alpha : float, optional
            Learning rate, positive. Default 0.5 for ``"momentum"`` and
            ``"nesterov"`` (tuned on full-batch XOR), 0.001 for ``"adam"``; unused by
            ``"lbfgs"``.
        reg_lambda : float, default 0.0001
            Weight of the L2 term ``sum(W**2) + sum(b**2)`` in the cost.
        epochs : int, default 10000
            Most epochs (L-BFGS: iterations) per attempt.
        momentum : float in [0, 1), default 0.9
            The seed's rule: ``rate = alpha * grad + momentum * prev_rate``.
        target_cost : float, optional
            Stop when the training loss (without the L2 term) reaches it. Default
            0.01 for classifiers; 0 for regression, whose loss is in the targets'
            units squared, so no fixed value means "learned".
        tol : float, default 1e-4
            Improvement of the training cross-entropy that counts as progress.
        tol_rule : {"relative", "absolute"}, default "relative"
            ``"relative"``: progress is a loss below ``(1 - tol)`` times the loss at the
            last progress. ``"absolute"`` (scikit-learn's rule): a loss at least ``tol``
            below the best so far.
        patience : int, optional
            Epochs without progress before stopping: on the validation loss (early
            stopping) when there is validation data, else on the training
            cross-entropy (a plateau). Default 500 for full-batch training without
            validation data, else 10.
        restarts : int, optional
            Re-initialisations allowed after a stall: a plateau above ``target_cost``
            whose cross-entropy is also above a quarter of the uniform prediction's
            (``ln K`` for K classes; chance level included), as XOR's local minima. A
            plateau below that is a converged fit (as L-BFGS converging on real data)
            and ends training without a restart or a warning. Default 20 for
            full-batch training without validation data, else 0; always 0 for
            regression (``output="identity"`` or ``"exponential"``), where only a
            plateau at the loss of predicting the targets' mean (a training R^2 below
            0.05) counts as a stall.
        verbose : bool, default False
            Show a progress bar (tqdm) with the current losses.
        batch_size : int, optional
            Rows per step; None (the default) uses the whole set, as the seed.
        shuffle : bool, default True
            Reshuffle the rows every epoch (minibatches only).
        optimizer : {"momentum", "nesterov", "adam", "lbfgs"}, default "momentum"
            The seed's momentum rule, Nesterov's momentum, Adam, or full-batch
            L-BFGS through ``scipy.optimize.minimize``.
        beta_1, beta_2, epsilon : float
            Adam's decay rates and its denominator's offset.
        schedule : {"constant", "reduce_on_plateau", "invscaling", "cosine"}, default "constant"
            ``"reduce_on_plateau"`` divides the learning rate by ``schedule_factor``
            when the monitored loss has not improved for ``schedule_patience`` epochs
            since the last change; ``"invscaling"`` sets it to
            ``alpha / (samples_seen + 1) ** power_t`` after each epoch (scikit-learn's);
            ``"cosine"`` to ``alpha * (1 + cos(pi * t / epochs)) / 2`` after epoch ``t``,
            from ``alpha`` down to zero at the last epoch.
        schedule_factor : float > 1, default 10
        schedule_patience : int, default 10
        validation_data : tuple (X_val, y_val), optional
            Held-out rows, evaluated after every epoch.
        validation_fraction : float in (0, 1), optional
            Hold out this share of the training rows instead (a stratified split
            drawn from ``random_state``).
        early_stopping : bool, optional
            Stop when the validation loss (or the ``validation_score`` hook's value)
            has not improved by ``min_delta`` for ``patience`` epochs and restore the
            best weights. Default: on when there is validation data.
        min_delta : float, default 0
            Smallest decrease of the validation loss that counts as improvement.
        sample_weight : array-like (n_samples,), optional
            Weight of each training row in the loss (cross-entropy or squared error).
        power_t : float, default 0.5
            Exponent of the ``"invscaling"`` schedule.
        keep_optimizer_state : bool, default False
            Continue from the velocities and Adam moments of the previous call
            instead of zeroing them (for incremental training).
        max_fun : int >= 1, optional
            Most cost evaluations of ``"lbfgs"`` (SciPy's ``maxfun``; an iteration
            takes one or more, so it also bounds the iterations). Default
            ``max(15000, 2 * epochs)``. When it stops training, ``history.stopped``
            is ``"max_fun"``. Unused by the other optimisers.
        convergence_warnings : bool, default True
            Warn (:class:`mlp.ConvergenceWarning`) when training ends at chance level
            or in a stall (see ``restarts``), or when a restart diverged. False
            silences these warnings for this call only (``MLPClassifier`` warns in
            scikit-learn's words instead), with no change to the process's warning
            filters.
        callback : callable, optional
            Called as ``callback(epoch, logs)`` after each epoch of each attempt
            (``epoch`` counts from 1 in each attempt), once the stopping rules have
            seen it; ``logs`` holds that epoch's ``loss``, ``total_loss``,
            ``learning_rate``, ``seconds`` and, with validation data,
            ``validation_loss``, ``validation_accuracy`` (classifiers) and
            ``validation_score``. Epochs that share a compiled call are reported, in
            order, when the call returns. An exception it raises stops training and
            propagates.
        validation_score : callable, optional
            ``validation_score(outputs) -> float``, higher is better: called after
            each epoch with the network's outputs on the validation rows (what
            :meth:`predict` returns for them, in their order). Early stopping then
            watches it instead of the validation loss (it stops when the score has
            not risen by more than ``min_delta`` for ``patience`` epochs and restores
            the weights of the best-scoring epoch), and ``history.validation_score``
            records it. Needs ``validation_data`` or ``validation_fraction``. None
            (the default): early stopping watches the validation loss, and
            ``history.validation_score`` holds the accuracy (R^2 for regression).
        clip_norm : float > 0, optional
            Clip each step's gradient (of the full cost, every weight and bias
            together) to this global L2 norm before the optimiser's rule, so that a
            learning rate that would diverge trains instead. None (the default): no
            clipping, the plain training step. Not with ``optimizer="lbfgs"``.
"""


def training_settings(network, n_samples, has_validation, *, alpha=None, reg_lambda=REG_LAMBDA,
                      epochs=10000, momentum=0.9, target_cost=None, tol=1e-4, tol_rule="relative",
                      patience=None, restarts=None, verbose=False, batch_size=None, shuffle=True,
                      optimizer="momentum", beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                      schedule="constant", schedule_factor=10.0, schedule_patience=10,
                      early_stopping=None, min_delta=0.0, power_t=0.5, keep_optimizer_state=False,
                      max_fun=None, convergence_warnings=True, callback=None,
                      validation_score=None, clip_norm=None):
    """The options of ``network.train`` (see :meth:`FeedForwardNetwork.train`, which
    describes each), checked and with their defaults filled in.

    Parameters
    ----------
    network : FeedForwardNetwork
        Initialized: its dtype bounds the numbers, its output and dropout rates decide
        defaults and what L-BFGS refuses.
    n_samples : int
        Training rows (a full batch of them gets the seed's patience and restarts).
    has_validation : bool
        Whether there are held-out rows.

    Returns
    -------
    TrainingSettings

    Raises
    ------
    TypeError, ValueError
        Naming the option and the value received.
    """
    optimizer = check_choice("optimizer", optimizer, OPTIMIZERS)
    if alpha is None:
        alpha = 0.001 if optimizer == "adam" else 0.5
    if batch_size is not None:
        batch_size = check_number("batch_size", batch_size, minimum=1, integer=True)
    if max_fun is not None:
        max_fun = check_number("max_fun", max_fun, minimum=1, integer=True)
    if clip_norm is not None:
        clip_norm = check_number("clip_norm", clip_norm, minimum=0, include_minimum=False,
                                 maximum=float(numpy.finfo(network.dtype).max))
    _check_lbfgs_options(network, optimizer, clip_norm)
    _check_hooks(callback, validation_score, has_validation)
    regression = network.output in REGRESSION_OUTPUTS
    if target_cost is None:
        target_cost = 0.0 if regression else 0.01
    # The seed's setting (one batch, no held-out data) stalls in local minima that a
    # restart escapes; on real data a long plateau is no reason to start over.
    full_batch = (batch_size is None or batch_size >= n_samples) and not has_validation
    if patience is None:
        patience = 500 if full_batch else 10
    if restarts is None:
        restarts = 20 if full_batch and not regression else 0
    # What the compiled graph receives in the network's dtype must fit in it (1e39 or
    # infinity would become an infinite float32 learning rate).
    largest = float(numpy.finfo(network.dtype).max)
    return TrainingSettings(
        alpha=check_number("alpha", alpha, minimum=0, include_minimum=False, maximum=largest),
        reg_lambda=check_number("reg_lambda", reg_lambda, minimum=0, maximum=largest),
        epochs=check_number("epochs", epochs, minimum=0, integer=True),
        momentum=check_number("momentum", momentum, minimum=0, maximum=1, include_maximum=False),
        target_cost=check_number("target_cost", target_cost, minimum=0),
        tol=check_number("tol", tol, minimum=0, maximum=1 if tol_rule == "relative" else math.inf),
        tol_rule=check_choice("tol_rule", tol_rule, ("relative", "absolute")),
        patience=check_number("patience", patience, minimum=1, integer=True),
        restarts=check_number("restarts", restarts, minimum=0, integer=True),
        verbose=bool(verbose),
        optimizer=optimizer,
        batch_size=batch_size,
        shuffle=bool(shuffle),
        beta_1=check_number("beta_1", beta_1, minimum=0, maximum=1, include_maximum=False),
        beta_2=check_number("beta_2", beta_2, minimum=0, maximum=1, include_maximum=False),
        epsilon=check_number("epsilon", epsilon, minimum=0, include_minimum=False, maximum=largest),
        schedule=check_choice("schedule", schedule,
                              ("constant", "reduce_on_plateau", "invscaling", "cosine")),
        power_t=check_number("power_t", power_t, minimum=0),
        keep_optimizer_state=bool(keep_optimizer_state),
        schedule_factor=check_number("schedule_factor", schedule_factor, minimum=1,
                                     include_minimum=False),
        schedule_patience=check_number("schedule_patience", schedule_patience, minimum=1,
                                       integer=True),
        early_stopping=has_validation if early_stopping is None else bool(early_stopping),
        min_delta=check_number("min_delta", min_delta, minimum=0),
        max_fun=max_fun,
        convergence_warnings=bool(convergence_warnings),
        callback=callback,
        validation_score=validation_score,
        clip_norm=clip_norm,
    )


def _check_lbfgs_options(network, optimizer, clip_norm):
    """Refuse dropout and gradient clipping with L-BFGS: its line search needs one
    deterministic objective, and it takes no gradient steps to clip."""
    if optimizer != "lbfgs":
        return
    rates = network.backend.dropout_rates
    if any(rates):
        raise ValueError(
            f"optimizer='lbfgs' cannot train with dropout (its line search needs a "
            f"deterministic cost): use 'adam', 'momentum' or 'nesterov', or a network "
            f"without dropout. Received: dropout rates {list(rates)} with optimizer='lbfgs'"
        )
    if clip_norm is not None:
        raise ValueError(
            f"`clip_norm` clips the gradient steps of 'momentum', 'nesterov' and 'adam'; "
            f"optimizer='lbfgs' takes none. Received: clip_norm={clip_norm!r} with "
            f"optimizer='lbfgs'"
        )


def _check_hooks(callback, validation_score, has_validation):
    """Refuse a per-epoch callback or validation score that is not a function, and a
    validation score without validation rows to score."""
    if callback is not None and not callable(callback):
        raise TypeError(
            f"Received an invalid value for `callback`, expected a function "
            f"callback(epoch, logs) or None. Received: callback={callback!r}"
        )
    if validation_score is not None and not callable(validation_score):
        raise TypeError(
            f"Received an invalid value for `validation_score`, expected a function "
            f"validation_score(outputs) -> float or None. "
            f"Received: validation_score={validation_score!r}"
        )
    if validation_score is not None and not has_validation:
        raise ValueError(
            f"`validation_score` scores the validation rows, but there are none: give "
            f"validation_data or validation_fraction as well. "
            f"Received: validation_score={validation_score!r}"
        )


def document_options(train):
    """A decorator: the Parameters section of ``train``'s docstring, which lists ``X``
    and ``y``, gets the options' entries after them."""
    head = "        Parameters\n        ----------\n"
    # The section ends at the first blank line after its title.
    end = train.__doc__.index("\n\n", train.__doc__.index(head)) + 1
    train.__doc__ = train.__doc__[:end] + _OPTIONS + train.__doc__[end:]
    return train
