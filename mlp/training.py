"""The training loop: it calls the backend's compiled functions, never builds graphs.

One call to :func:`train` runs up to ``restarts + 1`` attempts. An attempt ends when
the cross-entropy reaches ``target_cost``, when ``epochs`` run out, on early stopping
(the validation loss has not improved by ``min_delta`` for ``patience`` epochs) or on
a plateau (the training loss has not improved by a relative ``tol`` for ``patience``
epochs). A plateau above the target is a stall (a local minimum that depends on the
initialisation): the backend draws new weights and the next attempt starts; the best
attempt is kept.
"""

import math
import time
import warnings
from dataclasses import dataclass

import numpy

from mlp.data import minibatches
from mlp.errors import ConvergenceWarning, DivergenceError
from mlp.history import History
from mlp.interrupt import InterruptFlag
from mlp.progress import Progress

__all__ = ["TrainingSettings", "TrainingData", "train"]

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
    target_cost: float = 0.01
    tol: float = 1e-4
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


@dataclass
class TrainingData:
    """Validated arrays: training rows (one-hot targets) and optional validation rows."""

    inputs: numpy.ndarray
    targets: numpy.ndarray
    sample_weights: numpy.ndarray | None = None
    validation_inputs: numpy.ndarray | None = None
    validation_targets: numpy.ndarray | None = None

    @property
    def has_validation(self):
        return self.validation_inputs is not None


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


class _Monitor:
    """Decides, epoch by epoch, whether an attempt stops, and keeps its best weights.

    The monitored loss is the validation loss when there is validation data, else
    the training cross-entropy. Early stopping counts epochs since the last
    improvement larger than ``min_delta``; the plateau rule since the last relative
    improvement of ``tol``; the reduce-on-plateau schedule since its last change.
    """

    def __init__(self, backend, settings, has_validation):
        self.backend = backend
        self.settings = settings
        self.early_stopping = settings.early_stopping and has_validation
        self.best_loss = math.inf
        self.best_epoch = 0
        self.best_values = None
        self.reference_loss = math.inf
        self.since_improvement = 0
        self.since_schedule_change = 0
        self.schedule_best = math.inf
        self.learning_rate = settings.alpha
        self.samples_seen = 0

    def after_epoch(self, epoch, train_loss, monitored_loss, samples=0):
        """Return why the attempt stops after this epoch, or None to go on."""
        settings = self.settings
        # Progress is measured against the loss at the last real improvement, so a
        # crawl of tiny steps still ends as a plateau.
        if self.early_stopping:
            improved = monitored_loss < self.reference_loss - settings.min_delta
        else:
            improved = monitored_loss < self.reference_loss * (1 - settings.tol)
        if improved:
            self.reference_loss = monitored_loss
        if monitored_loss < self.best_loss:
            self.best_loss = monitored_loss
            self.best_epoch = epoch
            if self.early_stopping:
                self.best_values = self.backend.get_values()
        self.since_improvement = 0 if improved else self.since_improvement + 1
        self.samples_seen += samples
        self._schedule(monitored_loss)
        if train_loss <= settings.target_cost:
            return "target"
        if self.since_improvement >= settings.patience:
            return "early_stopping" if self.early_stopping else "plateau"
        return None

    def _schedule(self, monitored_loss):
        if self.settings.schedule == "invscaling":
            self.learning_rate = self.settings.alpha / (self.samples_seen + 1) ** self.settings.power_t
            return
        if self.settings.schedule != "reduce_on_plateau":
            return
        if monitored_loss < self.schedule_best * (1 - self.settings.tol):
            self.schedule_best = monitored_loss
            self.since_schedule_change = 0
            return
        self.since_schedule_change += 1
        if self.since_schedule_change >= self.settings.schedule_patience:
            self.learning_rate /= self.settings.schedule_factor
            self.since_schedule_change = 0

    def restore_best(self):
        """Put back the weights of the best validation epoch (early stopping only)."""
        if self.best_values is not None:
            self.backend.set_values(self.best_values)
            return True
        return False


class _Record:
    """Per-epoch curves of one attempt."""

    def __init__(self):
        self.loss, self.total_loss = [], []
        self.validation_loss, self.validation_accuracy = [], []
        self.learning_rate, self.seconds = [], []


def _evaluate(backend, inputs, targets):
    """Cross-entropy and accuracy of the current weights on held-out rows."""
    probabilities = backend.activate(inputs)
    tiny = numpy.finfo(probabilities.dtype).tiny
    log_probabilities = numpy.log(numpy.maximum(probabilities, tiny))
    loss = float(-numpy.mean(numpy.sum(targets * log_probabilities, axis=1)))
    accuracy = float(numpy.mean(probabilities.argmax(axis=1) == targets.argmax(axis=1)))
    return loss, accuracy


def _divergence(loss, epoch, attempt_number, settings):
    return DivergenceError(
        f"The cost became {loss} at epoch {epoch} (attempt {attempt_number + 1}); the "
        f"last finite weights were restored. Try a smaller learning rate: "
        f"alpha={settings.alpha}."
    )


def _finish_epoch(record, monitor, backend, data, epoch, loss, total_loss, started, progress,
                  samples=0):
    """Record one epoch and return why the attempt stops (or None)."""
    record.loss.append(loss)
    record.total_loss.append(total_loss)
    record.learning_rate.append(monitor.learning_rate)
    monitored = loss
    if data.has_validation:
        validation_loss, accuracy = _evaluate(backend, data.validation_inputs, data.validation_targets)
        record.validation_loss.append(validation_loss)
        record.validation_accuracy.append(accuracy)
        monitored = validation_loss
    record.seconds.append(time.perf_counter() - started)
    stopped = monitor.after_epoch(epoch, loss, monitored, samples)
    progress.update(loss, record.validation_loss[-1] if data.has_validation else None)
    return stopped


def _run_gradient_attempt(backend, data, settings, interrupt, attempt_number, generator, progress):
    """Train from the current weights with a step-based optimiser."""
    step = backend.step_function(settings.optimizer)
    record, monitor, guard = _Record(), _Monitor(backend, settings, data.has_validation), _Guard(backend)
    n_samples = data.inputs.shape[0]
    batch_size = min(settings.batch_size or n_samples, n_samples)
    full_batch = [numpy.arange(n_samples)] if batch_size == n_samples else None
    hyper = (settings.momentum, settings.beta_1, settings.beta_2, settings.epsilon)
    stopped = "epochs"
    for epoch in range(1, settings.epochs + 1):
        started = time.perf_counter()
        batches = full_batch or minibatches(n_samples, batch_size, generator if settings.shuffle else None)
        loss_sum = total_sum = 0.0
        processed = 0
        for indices in batches:
            try:
                loss, total_loss = step(indices, settings.reg_lambda, monitor.learning_rate, *hyper)
            except KeyboardInterrupt:
                # Cut short inside the engine: the updates may be partial.
                guard.restore()
                stopped = "interrupted"
                break
            loss, total_loss = float(loss), float(total_loss)
            if not (math.isfinite(loss) and math.isfinite(total_loss)):
                guard.restore()
                raise _divergence(total_loss, epoch, attempt_number, settings)
            loss_sum += loss * indices.size
            total_sum += total_loss * indices.size
            processed += indices.size
            if interrupt.raised:
                stopped = "interrupted"
                break
        if processed == 0:
            break
        guard.maybe_snapshot()
        reason = _finish_epoch(record, monitor, backend, data, epoch, loss_sum / processed,
                               total_sum / processed, started, progress, processed)
        if stopped == "interrupted":
            break
        if reason:
            stopped = reason
            break
    return record, monitor, stopped


def _run_lbfgs_attempt(backend, data, settings, interrupt, attempt_number, generator, progress):
    """Train from the current weights with full-batch L-BFGS (scipy.optimize)."""
    from scipy.optimize import minimize

    record, monitor = _Record(), _Monitor(backend, settings, data.has_validation)
    indices = numpy.arange(data.inputs.shape[0])
    last = {}
    state = {"stopped": "epochs", "epoch": 0, "started": time.perf_counter()}

    def cost_and_gradient(flat):
        data_cost, cost, gradient = backend.objective(flat, indices, settings.reg_lambda)
        if not math.isfinite(cost):
            # Let the line search back off; a finite point is always kept.
            return math.inf, numpy.zeros_like(flat)
        last.update(flat=flat.copy(), data_cost=data_cost, cost=cost)
        return cost, numpy.asarray(gradient, dtype=numpy.float64)

    def callback(intermediate_result):
        flat = intermediate_result.x
        if not numpy.array_equal(flat, last.get("flat")):
            cost_and_gradient(flat)
        backend.set_flat_parameters(flat)
        state["epoch"] += 1
        reason = _finish_epoch(record, monitor, backend, data, state["epoch"], last["data_cost"],
                               last["cost"], state["started"], progress)
        state["started"] = time.perf_counter()
        if interrupt.raised:
            state["stopped"] = "interrupted"
            raise StopIteration
        if reason in ("target", "early_stopping"):
            state["stopped"] = reason
            raise StopIteration

    if settings.epochs > 0:
        result = minimize(
            cost_and_gradient, backend.flat_parameters().astype(numpy.float64), jac=True,
            method="L-BFGS-B", callback=callback,
            options={"maxiter": settings.epochs, "maxfun": max(15000, 2 * settings.epochs),
                     "ftol": settings.tol * 1e-3, "gtol": 1e-10},
        )
        backend.set_flat_parameters(result.x)
        if state["stopped"] == "epochs" and result.nit < settings.epochs:
            state["stopped"] = "plateau"
    return record, monitor, state["stopped"]


def _is_chance_level(loss, n_classes):
    chance = math.log(n_classes) if n_classes > 1 else 0.0
    return chance > 0 and abs(loss - chance) <= _CHANCE_TOLERANCE * chance


def train(backend, data, settings, generator):
    """Train ``backend`` on validated arrays; return a :class:`History`.

    Parameters
    ----------
    backend : NetworkBackend
        Compiled network; its shared weights end as those of the best attempt.
    data : TrainingData
    settings : TrainingSettings
    generator : numpy.random.Generator
        Shuffles the minibatches and draws the weights of each restart.
    """
    history = History()
    run = _run_lbfgs_attempt if settings.optimizer == "lbfgs" else _run_gradient_attempt
    best = None
    backend.set_data(data.inputs, data.targets, data.sample_weights)
    if not settings.keep_optimizer_state:
        backend.reset_state()
    try:
        with InterruptFlag() as interrupt, Progress(settings.verbose, settings.epochs) as progress:
            for attempt_number in range(settings.restarts + 1):
                if attempt_number > 0:
                    backend.reinitialize(generator)
                    history.restarts += 1
                    progress.restart(attempt_number)
                record, monitor, stopped = run(
                    backend, data, settings, interrupt, attempt_number, generator, progress
                )
                restored = monitor.restore_best() if stopped != "target" else False
                score = monitor.best_loss if data.has_validation else (
                    record.loss[-1] if record.loss else math.inf)
                history.attempts.append({"epochs": len(record.loss), "loss": score, "stopped": stopped})
                if best is None or score < best[0]:
                    best = (score, record, monitor, stopped, restored, backend.get_values())
                if stopped != "plateau" or interrupt.raised:
                    break
    finally:
        backend.clear_data()
    _, record, monitor, history.stopped, history.restored_best, values = best
    backend.set_values(values)
    history.loss, history.total_loss = record.loss, record.total_loss
    history.validation_loss, history.validation_accuracy = record.validation_loss, record.validation_accuracy
    history.learning_rate, history.seconds = record.learning_rate, record.seconds
    history.epochs = len(record.loss)
    history.best_epoch = monitor.best_epoch
    n_classes = data.targets.shape[1]
    history.chance_level = bool(history.loss) and _is_chance_level(history.loss[-1], n_classes)
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
            f"{settings.reg_lambda}), saturated initial weights (the seed's "
            f"init='uniform'), labels that do not depend on the inputs, or a cost not "
            f"connected to the weights (the seed's bug, which this library refuses to build).",
            ConvergenceWarning,
            stacklevel=4,
        )
    elif history.stopped == "plateau" and history.final_loss > settings.target_cost:
        warnings.warn(
            f"Training stalled at cross-entropy {history.final_loss:.4f}, above "
            f"target_cost={settings.target_cost}, after {history.restarts} restarts "
            f"(no relative improvement of tol={settings.tol} in patience="
            f"{settings.patience} epochs). Try more restarts, another learning rate "
            f"or more hidden units.",
            ConvergenceWarning,
            stacklevel=4,
        )
