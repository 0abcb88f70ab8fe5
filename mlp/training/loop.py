"""The training loop: it calls the backend's compiled functions, never builds graphs.

One call to :func:`train` runs up to ``restarts + 1`` attempts. An attempt ends when
the cross-entropy reaches ``target_cost``, when ``epochs`` (or L-BFGS's ``max_fun``
cost evaluations) run out, on early stopping
(the validation loss has not improved by ``min_delta`` for ``patience`` epochs) or on
a plateau (the training loss has not improved by a relative ``tol`` for ``patience``
epochs; for L-BFGS, SciPy's convergence). A plateau far above what a start that learns
the data reaches is a stall (a local minimum that depends on the initialisation): at
chance level, or above ``_STALL_FRACTION`` of the uniform prediction's cross-entropy.
The backend then draws new weights and the next attempt starts; the best attempt is
kept. A plateau below that is a converged fit: no restart, no warning.

Regression (an identity output on half the mean squared error, or an exponential one on
half the Poisson deviance) has no chance level of its own: its mark is the loss of
predicting each target's mean (for the squared error, half the targets' mean
variance). A plateau counts as a stall only within ``_CHANCE_TOLERANCE`` of that loss
(a training R^2 below 0.05: the network learned nothing from the inputs), because a
noisy regression that ends far above zero loss (R^2 of 0.5 on diabetes) is a converged
fit that another start would not improve;
``FeedForwardNetwork.train`` also makes no restart for regression unless asked.

With validation rows, ``settings.validation_score`` (a function of the network's
outputs on them, higher is better) replaces the validation loss as what early
stopping watches; see :class:`TrainingSettings`.

An attempt runs in :mod:`mlp.training.gradient_descent` (momentum, Nesterov, Adam) or
:mod:`mlp.training.lbfgs`; both record epochs with
:func:`mlp.training.history.record_epoch` and stop by the rules of
:mod:`mlp.training.stopping`.
"""

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy

from mlp.errors import ConvergenceWarning, DivergenceError
from mlp.graph.layers import REGRESSION_OUTPUTS
from mlp.training import gradient_descent, lbfgs
from mlp.training.evaluation import baseline_loss
from mlp.training.interrupt import InterruptFlag
from mlp.training.progress import Progress

__all__ = ["TrainingSettings", "TrainingData", "train"]

# A cross-entropy within this fraction of ln K is chance level for K classes.
_CHANCE_TOLERANCE = 0.05
# A plateau above this fraction of the loss of a uniform prediction (ln K) is a stall,
# worth a restart. XOR's local minima sit at one half of ln 2 (two rows of four left
# undecided), where another start reaches the target; full-batch fits of real data
# converge far below, where another start reaches about the same loss (scaled iris,
# L-BFGS or momentum: 0.037 of ln 3; XOR's L2-bound minima just above target_cost:
# 0.016 of ln 2).
_STALL_FRACTION = 0.25
# Regression: a stall is a plateau at the mean predictor's loss (see the module's
# docstring), within the chance tolerance of it.
_REGRESSION_STALL_FRACTION = 1 - _CHANCE_TOLERANCE


@dataclass
class TrainingSettings:
    """Validated settings of one call to ``train`` (see ``FeedForwardNetwork.train``).

    ``validation_score``, when not None, is a function ``validation_score(outputs)``
    called after each epoch with the network's outputs on the validation rows (an
    ndarray ``(n_validation, n_outputs)``: what ``FeedForwardNetwork.predict`` returns
    for them, in the row order of the validation data) that returns a float, higher
    is better. Early stopping then watches it instead of the validation loss: it stops
    when the score has not risen by more than ``min_delta`` for ``patience`` epochs and
    restores the weights of the best-scoring epoch; ``History.validation_score`` holds
    it per epoch. It needs validation rows. None (the default) changes nothing.
    """

    alpha: float
    reg_lambda: float
    epochs: int
    momentum: float
    target_cost: float = 0.01
    tol: float = 1e-4
    tol_rule: str = "relative"
    patience: int = 500
    restarts: int = 0
    verbose: bool = False
    optimizer: str = "momentum"
    batch_size: int | None = None
    shuffle: bool = True
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    schedule: str = "constant"
    schedule_factor: float = 10.0
    schedule_patience: int = 10
    early_stopping: bool = False
    min_delta: float = 0.0
    power_t: float = 0.5
    keep_optimizer_state: bool = False
    max_fun: int | None = None
    convergence_warnings: bool = True
    callback: Callable | None = None
    # The largest global L2 norm of a step's gradient; None: no clipping.
    clip_norm: float | None = None
    validation_score: Callable | None = None
    # With validation rows, a cost that becomes NaN or infinite ends the attempt (the
    # epoch recorded with NaN scores, the best epoch's weights kept) instead of raising:
    # scikit-learn's early stopping keeps its best weights so. Set by mlp.sklearn only;
    # the seed's train keeps its divergence guard.
    divergence_ends_attempt: bool = False
    # Early stopping restores the mean of the weights of the best epoch and of the
    # epochs just before and after it (those that exist), instead of the best's alone.
    average_around_best: bool = False


@dataclass
class TrainingData:
    """Validated arrays: training rows (one-hot targets) and optional validation rows.

    ``padded_inputs``, when not None, is the matrix ``inputs`` is the start of, padded
    as :func:`mlp.runtime.padded_data.padded_matrix` makes it: the backend holds it
    as it is, with no second copy of the rows.
    """

    inputs: numpy.ndarray
    targets: numpy.ndarray
    sample_weights: numpy.ndarray | None = None
    validation_inputs: numpy.ndarray | None = None
    validation_targets: numpy.ndarray | None = None
    padded_inputs: numpy.ndarray | None = None

    @property
    def has_validation(self):
        return self.validation_inputs is not None


def _is_chance_level(loss, n_classes, output="softmax", uniform_loss=None):
    """Whether the training loss is that of a network that learned nothing: within 5%
    of ln K for K classes; for regression, at or above 95% of the mean predictor's
    loss (a training R^2 below 0.05). Independent labels have no such mark."""
    if output in REGRESSION_OUTPUTS:
        return uniform_loss > 0 and loss >= _REGRESSION_STALL_FRACTION * uniform_loss
    if output != "softmax":
        return False
    chance = math.log(n_classes) if n_classes > 1 else 0.0
    return chance > 0 and abs(loss - chance) <= _CHANCE_TOLERANCE * chance


def _stall_fraction(output):
    return _REGRESSION_STALL_FRACTION if output in REGRESSION_OUTPUTS else _STALL_FRACTION


def _is_stall(stopped, loss, settings, uniform_loss, output="softmax"):
    """Whether an attempt that stopped so, at this training loss, is stuck in a local
    minimum that another start would escape: a plateau above ``target_cost`` and above
    ``_STALL_FRACTION`` of the uniform prediction's loss (chance level included; for
    regression, ``_REGRESSION_STALL_FRACTION`` of the mean predictor's loss). A plateau
    below that is a converged fit, as when L-BFGS converges on real data."""
    return (stopped == "plateau" and loss > settings.target_cost
            and loss > _stall_fraction(output) * uniform_loss)


def _attempt_result(record, monitor, restored, hooked):
    """What ranks an attempt (lower is better) and the loss its entry reports: the
    validation loss (or the hook's score, negated) of the epoch whose weights it keeps
    when there is validation data, else its last training loss."""
    if not record.validation_loss:
        loss = _final_loss(record)
        return loss, loss
    index = monitor.best_epoch - 1 if restored else -1
    loss = record.validation_loss[index]
    return (-record.validation_score[index] if hooked else loss), loss


def _final_loss(record):
    return record.loss[-1] if record.loss else math.inf


def train(backend, data, settings, generator):
    """Train ``backend`` on validated arrays; return a :class:`History`.

    Attempts follow one another while an attempt ends in a stall (see
    :func:`_is_stall`), up to ``settings.restarts`` restarts; the best attempt is kept.
    A restart whose cost becomes NaN or infinite ends the restarts without losing the
    earlier attempts: it is recorded in ``history.attempts`` (``stopped="diverged"``,
    ``loss`` the non-finite cost, ``epochs`` the epoch where it diverged), the best
    attempt's weights are kept, and a :class:`ConvergenceWarning` says so. Only a
    divergence of the first attempt, with nothing to keep, raises
    :class:`DivergenceError`. Any other error leaves the weights where training had
    taken them: the front ends call this inside
    :func:`mlp.training.rollback.unchanged_on_error`, which puts them back.

    Parameters
    ----------
    backend : NetworkBackend
        Compiled network; its shared weights end as those of the best attempt.
    data : TrainingData
    settings : TrainingSettings
    generator : numpy.random.Generator
        Shuffles the minibatches and draws the weights of each restart.
    """
    restarts, attempts = 0, []
    run = lbfgs.run_attempt if settings.optimizer == "lbfgs" else gradient_descent.run_attempt
    # The loss of a network that has learned nothing (ln K for K classes, ...).
    uniform_loss = baseline_loss(data.targets, backend.output)
    hooked = settings.validation_score is not None
    best, diverged = None, None
    try:
        # Inside the try: whatever fails after set_data, the data is cleared.
        if data.padded_inputs is None:
            backend.set_data(data.inputs, data.targets, data.sample_weights)
        else:
            backend.set_data(data.padded_inputs, data.targets, data.sample_weights,
                             n_samples=data.inputs.shape[0])
        if not settings.keep_optimizer_state:
            backend.reset_state()
        with (InterruptFlag() as interrupt,
              Progress(settings.verbose, settings.epochs, settings.callback) as progress):
            for attempt_number in range(settings.restarts + 1):
                if attempt_number > 0:
                    backend.reinitialize(generator)
                    restarts += 1
                    progress.restart(attempt_number)
                try:
                    record, monitor, stopped = run(
                        backend, data, settings, interrupt, attempt_number, generator, progress
                    )
                except DivergenceError as error:
                    if best is None:
                        raise
                    attempts.append({"epochs": error.epoch, "loss": error.cost,
                                             "stopped": "diverged"})
                    diverged = error
                    break
                restored = monitor.restore_best() if stopped != "target" else False
                # The rank of the weights this attempt keeps: those of the best
                # validation epoch when early stopping restored them, else the last.
                rank, loss = _attempt_result(record, monitor, restored, hooked)
                attempts.append({"epochs": len(record.loss), "loss": loss, "stopped": stopped})
                if best is None or rank < best[0]:
                    best = (rank, record, monitor, stopped, restored, backend.get_values(),
                            attempt_number)
                if interrupt.raised or not _is_stall(stopped, _final_loss(record), settings,
                                                     uniform_loss, backend.output):
                    break
    finally:
        backend.clear_data()
    _, history, monitor, history.stopped, history.restored_best, values, kept = best
    backend.set_values(values)
    history.restarts, history.attempts = restarts, attempts
    history.epochs = len(history.loss)
    history.best_epoch = monitor.best_epoch
    n_classes = data.targets.shape[1]
    # Chance level is ln K for K exclusive classes, the mean predictor's loss for
    # regression; independent labels have no such mark.
    history.chance_level = bool(history.loss) and _is_chance_level(
        history.loss[-1], n_classes, backend.output, uniform_loss)
    if settings.convergence_warnings and diverged is not None:
        _warn_diverged(diverged, history, kept, settings)
    if history.stopped != "interrupted" and settings.convergence_warnings:
        _warn_if_stuck(history, n_classes, settings, uniform_loss, backend.output)
    return history


def _warn_diverged(error, history, kept, settings):
    warnings.warn(
        f"Restart {history.restarts} diverged: its cost became {error.cost} at epoch "
        f"{error.epoch}. Training kept the best earlier attempt (attempt {kept + 1}, "
        f"cross-entropy {history.final_loss:.4f}) and made no more restarts. A learning "
        f"rate that some initial weights cannot take is too large: try a smaller one "
        f"(alpha={settings.alpha}).",
        ConvergenceWarning,
        stacklevel=4,
    )


def _warn_if_stuck(history, n_classes, settings, uniform_loss, output="softmax"):
    if history.chance_level and output in REGRESSION_OUTPUTS:
        # D^2, the share of the deviance explained, is the Poisson deviance's R^2.
        loss_name, score_name = (("squared error", "R^2") if output == "identity"
                                 else ("Poisson deviance", "D^2"))
        warnings.warn(
            f"Training learned nothing from the inputs: its {loss_name} "
            f"{history.final_loss:.4g} is that of predicting the targets' mean "
            f"({uniform_loss:.4g}, a training {score_name} of "
            f"{1 - history.final_loss / uniform_loss:.3f}) after {history.restarts} restarts. "
            f"The usual causes: a learning rate too small or too large (alpha="
            f"{settings.alpha}), too much L2 (reg_lambda={settings.reg_lambda}), inputs or "
            f"targets far from unit scale, or targets that do not depend on the inputs.",
            ConvergenceWarning,
            stacklevel=4,
        )
    elif history.chance_level:
        warnings.warn(
            f"Training ended at chance level: cross-entropy {history.final_loss:.4f} "
            f"against ln {n_classes} = {math.log(n_classes):.4f} after "
            f"{history.restarts} restarts. The usual causes: a learning rate too small "
            f"or too large (alpha={settings.alpha}), too much L2 (reg_lambda="
            f"{settings.reg_lambda}), saturated initial weights (the seed's "
            f"init='uniform'), labels that do not depend on the inputs, or a cost not "
            f"connected to the weights (the seed's bug, which this library refuses to build).",
            ConvergenceWarning,
            stacklevel=4,
        )
    elif _is_stall(history.stopped, history.final_loss, settings, uniform_loss, output):
        warnings.warn(
            f"Training stalled at {'loss' if output in REGRESSION_OUTPUTS else 'cross-entropy'} "
            f"{history.final_loss:.4f}, above "
            f"target_cost={settings.target_cost}, after {history.restarts} restarts "
            f"(no {settings.tol_rule} improvement of tol={settings.tol} in patience="
            f"{settings.patience} epochs). Try more restarts, another learning rate "
            f"or more hidden units.",
            ConvergenceWarning,
            stacklevel=4,
        )
