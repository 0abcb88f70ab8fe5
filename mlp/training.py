"""The training loop: it calls the backend's compiled functions, never builds graphs.

One call to :func:`train` runs up to ``restarts + 1`` attempts. An attempt ends when
the cross-entropy reaches ``target_cost``, when ``epochs`` run out, or on a plateau
(no relative improvement of ``tol`` over ``patience`` epochs). A plateau above the
target is a stall (a local minimum that depends on the initialisation): the backend
draws new weights and the next attempt starts; the best attempt is kept.
"""

import math
import signal
import threading
import time
import warnings
from dataclasses import dataclass

from mlp.errors import ConvergenceWarning, DivergenceError
from mlp.history import History

__all__ = ["TrainingSettings", "train"]

# Seconds between snapshots of the weights that the divergence guard restores.
_SNAPSHOT_SECONDS = 0.2
# A cross-entropy within this fraction of ln K is chance level for K classes.
_CHANCE_TOLERANCE = 0.05


@dataclass
class TrainingSettings:
    """Validated settings of one call to ``train`` (see ``FeedForwardNetwork.train``)."""

    alpha: float
    reg_lambda: float
    epochs: int
    momentum: float
    target_cost: float
    tol: float
    patience: int
    restarts: int
    verbose: bool


class _InterruptFlag:
    """Turns Ctrl-C into a flag the loop reads after each step.

    A KeyboardInterrupt raised inside a compiled call could leave some shared
    variables updated and others not; a flag lets the current step finish.
    """

    def __init__(self):
        self.raised = False
        self._previous = None

    def _handle(self, signum, frame):
        self.raised = True

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc_info):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False


class _Guard:
    """Keeps the last finite weights, to restore after a NaN or an interrupt."""

    def __init__(self, backend):
        self.backend = backend
        self.values = backend.get_values()
        self.taken = time.perf_counter()

    def maybe_snapshot(self):
        now = time.perf_counter()
        if now - self.taken >= _SNAPSHOT_SECONDS:
            self.values = self.backend.get_values()
            self.taken = now

    def restore(self):
        self.backend.set_values(self.values)


def _is_chance_level(loss, n_classes):
    chance = math.log(n_classes) if n_classes > 1 else 0.0
    return chance > 0 and abs(loss - chance) <= _CHANCE_TOLERANCE * chance


def _run_attempt(backend, inputs, targets, settings, interrupt, attempt_number):
    """Train from the current weights; return (losses, total losses, stop reason)."""
    losses, total_losses = [], []
    guard = _Guard(backend)
    best_seen = math.inf
    since_improvement = 0
    report_time = time.perf_counter()
    stopped = "epochs"
    for epoch in range(settings.epochs):
        try:
            loss, total_loss = backend.train_step(
                inputs, targets, settings.reg_lambda, settings.alpha, settings.momentum
            )
        except KeyboardInterrupt:
            # The step was cut short inside the engine: its updates may be partial.
            guard.restore()
            stopped = "interrupted"
            break
        if not (math.isfinite(loss) and math.isfinite(total_loss)):
            guard.restore()
            raise DivergenceError(
                f"The cost became {total_loss} at epoch {epoch + 1} (attempt "
                f"{attempt_number + 1}); the last finite weights were restored. "
                f"Try a smaller learning rate: alpha={settings.alpha}."
            )
        losses.append(loss)
        total_losses.append(total_loss)
        guard.maybe_snapshot()
        if settings.verbose and time.perf_counter() - report_time >= 1.0:
            report_time = time.perf_counter()
            print(f"attempt {attempt_number + 1} epoch {epoch + 1}: cross-entropy {loss:.6f}")
        if interrupt.raised:
            stopped = "interrupted"
            break
        if loss <= settings.target_cost:
            stopped = "target"
            break
        if loss < best_seen * (1 - settings.tol):
            best_seen = loss
            since_improvement = 0
        else:
            since_improvement += 1
            if since_improvement >= settings.patience:
                stopped = "plateau"
                break
    return losses, total_losses, stopped


def train(backend, inputs, targets, settings, generator):
    """Train ``backend`` on validated arrays; return a :class:`History`.

    Parameters
    ----------
    backend : NetworkBackend
        Compiled network; its shared weights end as those of the best attempt.
    inputs : ndarray (n_samples, n_features)
    targets : ndarray (n_samples, n_classes)
        One-hot rows.
    settings : TrainingSettings
    generator : numpy.random.Generator
        Draws the weights of each restart.
    """
    history = History()
    best = None
    with _InterruptFlag() as interrupt:
        for attempt_number in range(settings.restarts + 1):
            if attempt_number > 0:
                backend.reinitialize(generator)
                history.restarts += 1
            losses, total_losses, stopped = _run_attempt(
                backend, inputs, targets, settings, interrupt, attempt_number
            )
            final_loss = losses[-1] if losses else math.inf
            history.attempts.append({"epochs": len(losses), "loss": final_loss, "stopped": stopped})
            if best is None or final_loss < best[0]:
                best = (final_loss, losses, total_losses, stopped, backend.get_values())
            if stopped != "plateau":
                break
            if settings.verbose:
                print(f"attempt {attempt_number + 1} stalled at cross-entropy {final_loss:.6f}")
    final_loss, history.loss, history.total_loss, history.stopped, values = best
    backend.set_values(values)
    history.epochs = len(history.loss)
    n_classes = targets.shape[1]
    history.chance_level = bool(history.loss) and _is_chance_level(final_loss, n_classes)
    if history.stopped != "interrupted":
        _warn_if_stuck(history, n_classes, settings)
    return history


def _warn_if_stuck(history, n_classes, settings):
    if history.chance_level:
        warnings.warn(
            f"Training ended at chance level: cross-entropy {history.final_loss:.4f} "
            f"against ln {n_classes} = {math.log(n_classes):.4f} after "
            f"{history.restarts} restarts. The usual causes: a learning rate too small "
            f"or too large (alpha={settings.alpha}), too much L2 (reg_lambda="
            f"{settings.reg_lambda}), saturated initial weights (the seed's init='uniform'), "
            f"labels that do not depend on the inputs, or a cost not connected to the "
            f"weights (the seed's bug, which this library refuses to build).",
            ConvergenceWarning,
            stacklevel=4,
        )
    elif history.stopped == "plateau":
        warnings.warn(
            f"Training stalled at cross-entropy {history.final_loss:.4f}, above "
            f"target_cost={settings.target_cost}, after {history.restarts} restarts "
            f"(no relative improvement of tol={settings.tol} in patience="
            f"{settings.patience} epochs). Try more restarts, another learning rate "
            f"or more hidden units.",
            ConvergenceWarning,
            stacklevel=4,
        )
