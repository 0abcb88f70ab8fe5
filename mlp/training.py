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

Regression (an identity output, trained on half the mean squared error) has no chance
level of its own: its mark is the loss of predicting each target's mean, half the
targets' mean variance. A plateau counts as a stall only within
``_CHANCE_TOLERANCE`` of that loss (a training R^2 below 0.05: the network learned
nothing from the inputs), because a noisy regression that ends far above zero loss
(R^2 of 0.5 on diabetes) is a converged fit that another start would not improve;
``FeedForwardNetwork.train`` also makes no restart for regression unless asked.

With validation rows, ``settings.validation_score`` (a function of the network's
outputs on them, higher is better) replaces the validation loss as what early
stopping watches; see :class:`TrainingSettings`.
"""

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy

from mlp.data import minibatches
from mlp.errors import ConvergenceWarning, DivergenceError
from mlp.evaluation import baseline_loss, evaluate
from mlp.history import History
from mlp.interrupt import InterruptFlag
from mlp.progress import Progress

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
    """Keeps the weights from before the current compiled call, to restore after a
    NaN or an interrupt inside it (the backend's values are snapshots that cost nothing:
    calls return new arrays)."""

    def __init__(self, backend):
        self.backend = backend
        self.values = backend.get_values()

    def snapshot(self):
        self.values = self.backend.get_values()

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

    def after_epoch(self, epoch, train_loss, monitored_loss, samples=0, score=None):
        """Return why the attempt stops after this epoch, or None to go on.

        ``score`` is the validation score hook's value (higher is better), or None;
        with early stopping it is watched, as the loss ``-score``, instead of
        ``monitored_loss`` (which the learning-rate schedule keeps watching).
        """
        settings = self.settings
        schedule_loss = monitored_loss
        if self.early_stopping and score is not None:
            monitored_loss = -score
        # Progress is measured against the loss at the last real improvement, so a
        # crawl of tiny steps still ends as a plateau.
        if self.early_stopping:
            improved = monitored_loss < self.reference_loss - settings.min_delta
        elif settings.tol_rule == "absolute":
            improved = monitored_loss <= self.best_loss - settings.tol
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
        self._schedule(schedule_loss)
        if train_loss <= settings.target_cost:
            return "target"
        if self.since_improvement >= settings.patience:
            return "early_stopping" if self.early_stopping else "plateau"
        return None

    def after_epochs(self, epoch, losses, samples):
        """:meth:`after_epoch` for a run of epochs monitored on the training loss with a
        constant learning rate: the same rules, in a loop of local variables, because it
        runs for every epoch of full-batch training (hundreds of thousands a second).

        Returns ``(reason, count)``: why to stop (or None) and after how many of these
        epochs; the monitor is left as after the last of those ``count`` epochs.
        """
        settings = self.settings
        losses = numpy.asarray(losses, dtype=float)
        # The target rule needs no history: the first epoch at or below it stops.
        reached = numpy.flatnonzero(losses <= settings.target_cost)
        end = int(reached[0]) + 1 if reached.size else losses.size
        count, stopped = end, "target" if reached.size else None
        patience, tol, since = settings.patience, settings.tol, self.since_improvement
        reference, best = self.reference_loss, self.best_loss
        # The plateau rule, epoch by epoch: one comparison with a threshold that moves
        # when the loss passes it ("below the best by tol", or "below the loss at the
        # last progress by a factor").
        if settings.tol_rule == "absolute":
            for index, loss in enumerate(losses[:end].tolist()):
                if loss <= best - tol:
                    reference, since = loss, 0
                else:
                    since += 1
                    if since >= patience:
                        count, stopped = index + 1, "plateau"
                        break
                if loss < best:
                    best = loss
        else:
            threshold = reference * (1 - tol)
            for index, loss in enumerate(losses[:end].tolist()):
                if loss < threshold:
                    reference, threshold, since = loss, loss * (1 - tol), 0
                else:
                    since += 1
                    if since >= patience:
                        count, stopped = index + 1, "plateau"
                        break
        if stopped == "plateau" and reached.size and count >= end:
            stopped = "target"  # both on the same epoch: the target counts
        kept = losses[:count]
        if kept.size and kept.min() < self.best_loss:
            self.best_loss, self.best_epoch = float(kept.min()), epoch + int(kept.argmin()) + 1
        self.reference_loss, self.since_improvement = reference, since
        self.samples_seen += sum(samples[:count])
        return stopped, count

    def _schedule(self, monitored_loss):
        if self.settings.schedule == "invscaling":
            self.learning_rate = self.settings.alpha / (self.samples_seen + 1) ** self.settings.power_t
            return
        if self.settings.schedule != "reduce_on_plateau":
            return
        if self.settings.tol_rule == "absolute":
            improved = monitored_loss <= self.schedule_best - self.settings.tol
        else:
            improved = monitored_loss < self.schedule_best * (1 - self.settings.tol)
        if improved:
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
    """Per-epoch curves of one attempt (and, for L-BFGS, what SciPy reported)."""

    def __init__(self):
        self.loss, self.total_loss = [], []
        self.validation_loss, self.validation_accuracy = [], []
        self.validation_score = []
        self.learning_rate, self.seconds = [], []
        self.optimizer_result = None


class _ScoreError(TypeError):
    """The validation score hook returned something that is not a number."""


def _hook_score(validation_score, outputs):
    """The validation score hook's value for ``outputs``, as a float."""
    value = validation_score(outputs)
    try:
        return float(value)
    except (TypeError, ValueError) as error:
        raise _ScoreError(
            f"`validation_score` must return a number (higher is better). "
            f"Received: validation_score(outputs)={value!r}"
        ) from error


def _divergence(loss, epoch, attempt_number, settings):
    return DivergenceError(
        f"The cost became {loss} at epoch {epoch} (attempt {attempt_number + 1}); the "
        f"weights from before that compiled call, all finite, were restored. Try a smaller "
        f"learning rate: alpha={settings.alpha} (or a smaller L2 weight than "
        f"reg_lambda={settings.reg_lambda}, or inputs X scaled to smaller values).",
        epoch=epoch, cost=float(loss),
    )


def _finish_epoch(record, monitor, backend, data, epoch, loss, total_loss, seconds, progress,
                  samples=0):
    """Record one epoch and return why the attempt stops (or None)."""
    record.loss.append(loss)
    record.total_loss.append(total_loss)
    record.learning_rate.append(monitor.learning_rate)
    monitored, score = loss, None
    if data.has_validation:
        outputs = backend.activate(data.validation_inputs)
        validation_loss, own_score = evaluate(outputs, data.validation_targets, backend.output)
        record.validation_loss.append(validation_loss)
        if backend.output != "identity":
            record.validation_accuracy.append(own_score)
        hook = monitor.settings.validation_score
        if hook is not None:
            score = _hook_score(hook, outputs)
        record.validation_score.append(own_score if score is None else score)
        monitored = validation_loss
    record.seconds.append(seconds)
    stopped = monitor.after_epoch(epoch, loss, monitored, samples, score)
    progress.update(record)
    return stopped


def _step_plan(n_samples, batch_size, epochs, generator):
    """Index matrix of ``epochs`` epochs: one row per step, short batches padded with
    ``n_samples`` (the backend's zero-weight row); and the real rows of each step.
    Full-batch epochs (one step of every row) need no indices: the plan is then the
    number of steps."""
    if batch_size >= n_samples:
        return epochs, numpy.full(epochs, n_samples, dtype=numpy.int64)
    if generator is None:
        rows = minibatches(n_samples, batch_size) * epochs
    else:
        rows = []
        for _ in range(epochs):
            rows.extend(minibatches(n_samples, batch_size, generator))
    plan = numpy.full((len(rows), batch_size), n_samples, dtype=numpy.int32)
    sizes = numpy.empty(len(rows), dtype=numpy.int64)
    for position, indices in enumerate(rows):
        plan[position, :indices.size] = indices
        sizes[position] = indices.size
    return plan, sizes


def _plan_length(plan):
    return plan if isinstance(plan, int) else len(plan)


def _plan_part(plan, first, count):
    """Steps ``first`` to ``first + count`` of a plan (an index matrix or a step count)."""
    if isinstance(plan, int):
        return max(0, min(count, plan - first))
    return plan[first:first + count]


def _run_calls(backend, plan, settings, learning_rate, guard, interrupt, epoch, attempt_number,
               steps_per_epoch=1, batch_size=1, length=None):
    """Run the steps of ``plan`` in compiled calls of at most ``steps_per_call`` steps.

    Returns the cost vectors of the steps that ran and whether Ctrl-C stopped them. A
    snapshot before each call is what a NaN or an interrupt inside the call restores.
    """
    hyper = (settings.momentum, settings.beta_1, settings.beta_2, settings.epsilon)
    steps_per_call = backend.steps_per_call(batch_size, steps_per_epoch == 1)
    data_costs, costs = [], []
    for first in range(0, _plan_length(plan), steps_per_call):
        guard.snapshot()
        try:
            call_data_costs, call_costs, finite = backend.train_steps(
                settings.optimizer, _plan_part(plan, first, steps_per_call), settings.reg_lambda,
                learning_rate, *hyper, length=length, clip_norm=settings.clip_norm)
        except KeyboardInterrupt:
            # Cut short inside the engine: the updates may be partial.
            guard.restore()
            return data_costs, costs, True
        if not (finite and numpy.isfinite(call_data_costs).all() and numpy.isfinite(call_costs).all()):
            guard.restore()
            bad = ~(numpy.isfinite(call_costs) & numpy.isfinite(call_data_costs))
            # Costs are measured before each step: finite costs with non-finite weights
            # mean the call's last update overflowed.
            step = int(numpy.flatnonzero(bad)[0]) if bad.any() else call_costs.size - 1
            value = call_costs[step] if bad.any() else math.inf
            raise _divergence(value, epoch + 1 + (first + step) // steps_per_epoch,
                              attempt_number, settings)
        data_costs.append(call_data_costs)
        costs.append(call_costs)
        if interrupt.raised:
            return data_costs, costs, True
    return data_costs, costs, False


def _run_gradient_attempt(backend, data, settings, interrupt, attempt_number, generator, progress):
    """Train from the current weights with a step-based optimiser.

    Steps run in compiled multi-step calls. When nothing has to be looked at between
    epochs (validation data, a learning-rate schedule), a call runs a growing number
    of whole epochs, and the stopping rules are applied to them afterwards: the
    epochs past the stop are undone and run again up to it. Otherwise a call runs one
    epoch (split when an epoch is long). Stopping rules, Ctrl-C and the divergence
    guard are checked between calls.
    """
    record, monitor, guard = _Record(), _Monitor(backend, settings, data.has_validation), _Guard(backend)
    n_samples = data.inputs.shape[0]
    batch_size = min(settings.batch_size or n_samples, n_samples)
    steps_per_epoch = -(-n_samples // batch_size)
    shuffler = generator if settings.shuffle and steps_per_epoch > 1 else None
    # Nothing has to be looked at between epochs without validation data or a
    # schedule. Minibatch epochs then share a call when no stopping rule can fire
    # before its last epoch (the target is unreachable, the plateau rule needs
    # ``patience`` epochs), so nothing runs twice; full-batch epochs, one cheap step
    # each, share calls of growing length, undone and rerun past a stop.
    # A callback that reads each epoch's weights (``reads_weights``, as the scikit-learn
    # callbacks of mlp.estimator_callbacks) needs them after every epoch, not per call.
    many_epochs_per_call = (not data.has_validation and settings.schedule == "constant"
                            and (steps_per_epoch == 1 or settings.target_cost <= 0)
                            and not getattr(settings.callback, "reads_weights", False))
    most_epochs = max(1, backend.steps_per_call(batch_size, steps_per_epoch == 1) // steps_per_epoch)
    length = backend.call_length(batch_size, steps_per_epoch, many_epochs_per_call)
    # Full-batch calls start at 64 steps (a stop within them costs little to rerun)
    # and double up to the most a call makes.
    chunk, epoch, stopped = min(64, most_epochs), 0, "epochs"
    while epoch < settings.epochs and stopped == "epochs":
        epochs_now = 1
        if many_epochs_per_call and steps_per_epoch == 1:
            epochs_now = min(chunk, settings.epochs - epoch)
            chunk = min(2 * chunk, most_epochs)
        elif many_epochs_per_call:
            epochs_now = min(settings.epochs - epoch, most_epochs,
                             max(1, settings.patience - monitor.since_improvement))
        plan, sizes = _step_plan(n_samples, batch_size, epochs_now, shuffler)
        started = time.perf_counter()
        data_costs, costs, interrupted = _run_calls(
            backend, plan, settings, monitor.learning_rate, guard, interrupt, epoch, attempt_number,
            steps_per_epoch, batch_size, length)
        if not data_costs:
            return record, monitor, "interrupted"
        losses, totals, rows = _epoch_means(numpy.concatenate(data_costs), numpy.concatenate(costs),
                                            sizes, steps_per_epoch)
        reason = None
        if many_epochs_per_call and not interrupted:
            reason, count = monitor.after_epochs(epoch, losses, rows)
            if count < len(losses):
                # The call ran past the stopping epoch: back to the snapshot taken
                # before it, and exactly the epochs up to the stop again (the same
                # steps, so the same costs).
                guard.restore()
                _run_calls(backend, _plan_part(plan, 0, count * steps_per_epoch), settings,
                           monitor.learning_rate, guard, interrupt, epoch, attempt_number,
                           steps_per_epoch, batch_size, length)
                losses, totals, rows = losses[:count], totals[:count], rows[:count]
        seconds = (time.perf_counter() - started) / len(losses)
        if many_epochs_per_call and not interrupted:
            _record_checked_epochs(record, monitor, losses, totals, seconds, progress)
        else:
            reason = _record_epochs(record, monitor, backend, data, epoch, losses, totals, rows,
                                    seconds, progress)
        epoch += len(losses)
        stopped = "interrupted" if interrupted else reason or "epochs"
    return record, monitor, stopped


def _epoch_means(data_costs, costs, sizes, steps_per_epoch):
    """Per-epoch cross-entropy, full cost and rows, from the costs of each step (weighted
    by the step's rows, so a short last batch counts for what it holds)."""
    rows = sizes[:data_costs.size]
    if steps_per_epoch == 1:
        return data_costs.tolist(), costs.tolist(), rows.tolist()
    starts = numpy.arange(0, data_costs.size, steps_per_epoch)
    epoch_rows = numpy.add.reduceat(rows, starts)
    losses = (numpy.add.reduceat(rows * data_costs, starts) / epoch_rows).tolist()
    totals = (numpy.add.reduceat(rows * costs, starts) / epoch_rows).tolist()
    return losses, totals, epoch_rows.tolist()


def _record_checked_epochs(record, monitor, losses, totals, seconds, progress):
    """Record epochs whose stopping rules :meth:`_Monitor.after_epochs` already applied."""
    record.loss.extend(losses)
    record.total_loss.extend(totals)
    record.seconds.extend([seconds] * len(losses))
    record.learning_rate.extend([monitor.learning_rate] * len(losses))
    progress.update(record, steps=len(losses))


def _record_epochs(record, monitor, backend, data, epoch, losses, totals, rows, seconds, progress):
    """Record epochs ``epoch + 1 ...`` and apply the stopping rules to each; return the
    first reason to stop among them."""
    stopped = None
    if data.has_validation:
        for loss, total_loss, samples in zip(losses, totals, rows):
            epoch += 1
            reason = _finish_epoch(record, monitor, backend, data, epoch, loss, total_loss,
                                   seconds, progress, samples)
            stopped = stopped or reason
        return stopped
    record.loss.extend(losses)
    record.total_loss.extend(totals)
    record.seconds.extend([seconds] * len(losses))
    for loss, samples in zip(losses, rows):
        epoch += 1
        record.learning_rate.append(monitor.learning_rate)
        reason = monitor.after_epoch(epoch, loss, loss, samples)
        stopped = stopped or reason
    progress.update(record, steps=len(losses))
    return stopped


def _run_lbfgs_attempt(backend, data, settings, interrupt, attempt_number, generator, progress):
    """Train from the current weights with full-batch L-BFGS (scipy.optimize)."""
    from scipy.optimize import minimize

    record, monitor = _Record(), _Monitor(backend, settings, data.has_validation)
    last = {}
    state = {"stopped": "epochs", "epoch": 0, "started": time.perf_counter()}

    def cost_and_gradient(flat):
        data_cost, cost, gradient = backend.objective(flat, settings.reg_lambda)
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
                               last["cost"], time.perf_counter() - state["started"], progress)
        state["started"] = time.perf_counter()
        if interrupt.raised:
            state["stopped"] = "interrupted"
            raise StopIteration
        if reason in ("target", "early_stopping"):
            state["stopped"] = reason
            raise StopIteration

    max_fun = settings.max_fun if settings.max_fun is not None else max(15000, 2 * settings.epochs)
    if settings.epochs > 0:
        result = minimize(
            cost_and_gradient, backend.flat_parameters().astype(numpy.float64), jac=True,
            method="L-BFGS-B", callback=callback,
            options={"maxiter": settings.epochs, "maxfun": max_fun,
                     "ftol": settings.tol * 1e-3, "gtol": 1e-10},
        )
        backend.set_flat_parameters(result.x)
        record.optimizer_result = {"status": int(result.status), "message": result.message,
                                   "nit": int(result.nit), "nfev": int(result.nfev)}
        if state["stopped"] == "epochs" and result.nit < settings.epochs:
            # SciPy checks the evaluation count only between iterations, so the
            # iterations never outnumber max_fun.
            state["stopped"] = "max_fun" if result.nfev > max_fun else "plateau"
    return record, monitor, state["stopped"]


def _is_chance_level(loss, n_classes, output="softmax", uniform_loss=None):
    """Whether the training loss is that of a network that learned nothing: within 5%
    of ln K for K classes; for regression, at or above 95% of the mean predictor's
    loss (a training R^2 below 0.05). Independent labels have no such mark."""
    if output == "identity":
        return uniform_loss > 0 and loss >= _REGRESSION_STALL_FRACTION * uniform_loss
    if output != "softmax":
        return False
    chance = math.log(n_classes) if n_classes > 1 else 0.0
    return chance > 0 and abs(loss - chance) <= _CHANCE_TOLERANCE * chance


def _uniform_loss(targets, output):
    """The training loss of a network that has learned nothing: equal probabilities
    for the K classes (ln K), one half for each of K independent labels (K ln 2), or
    each target's mean (half the targets' mean variance): see
    :func:`mlp.evaluation.baseline_loss`."""
    return baseline_loss(targets, output)


def _stall_fraction(output):
    return _REGRESSION_STALL_FRACTION if output == "identity" else _STALL_FRACTION


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
    :class:`DivergenceError`.

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
    uniform_loss = _uniform_loss(data.targets, backend.output)
    hooked = settings.validation_score is not None
    best, diverged = None, None
    # What a hook that cannot score puts back: that is bad input, found only once
    # training has begun.
    start = backend.get_values(), None if generator is None else generator.bit_generator.state
    backend.set_data(data.inputs, data.targets, data.sample_weights)
    if not settings.keep_optimizer_state:
        backend.reset_state()
    try:
        with (InterruptFlag() as interrupt,
              Progress(settings.verbose, settings.epochs, settings.callback) as progress):
            for attempt_number in range(settings.restarts + 1):
                if attempt_number > 0:
                    backend.reinitialize(generator)
                    history.restarts += 1
                    progress.restart(attempt_number)
                try:
                    record, monitor, stopped = run(
                        backend, data, settings, interrupt, attempt_number, generator, progress
                    )
                except DivergenceError as error:
                    if best is None:
                        raise
                    history.attempts.append({"epochs": error.epoch, "loss": error.cost,
                                             "stopped": "diverged"})
                    diverged = error
                    break
                restored = monitor.restore_best() if stopped != "target" else False
                # The rank of the weights this attempt keeps: those of the best
                # validation epoch when early stopping restored them, else the last.
                rank, loss = _attempt_result(record, monitor, restored, hooked)
                history.attempts.append({"epochs": len(record.loss), "loss": loss, "stopped": stopped})
                if best is None or rank < best[0]:
                    best = (rank, record, monitor, stopped, restored, backend.get_values(),
                            attempt_number)
                if interrupt.raised or not _is_stall(stopped, _final_loss(record), settings,
                                                     uniform_loss, backend.output):
                    break
    except _ScoreError:
        backend.set_values(start[0])
        if generator is not None:
            generator.bit_generator.state = start[1]
        raise
    finally:
        backend.clear_data()
    _, record, monitor, history.stopped, history.restored_best, values, kept = best
    backend.set_values(values)
    history.loss, history.total_loss = record.loss, record.total_loss
    history.validation_loss, history.validation_accuracy = record.validation_loss, record.validation_accuracy
    history.validation_score = record.validation_score
    history.learning_rate, history.seconds = record.learning_rate, record.seconds
    history.optimizer_result = record.optimizer_result
    history.epochs = len(record.loss)
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
    if history.chance_level and output == "identity":
        warnings.warn(
            f"Training learned nothing from the inputs: its squared error "
            f"{history.final_loss:.4g} is that of predicting the targets' mean "
            f"({uniform_loss:.4g}, a training R^2 of "
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
            f"Training stalled at {'loss' if output == 'identity' else 'cross-entropy'} "
            f"{history.final_loss:.4f}, above "
            f"target_cost={settings.target_cost}, after {history.restarts} restarts "
            f"(no {settings.tol_rule} improvement of tol={settings.tol} in patience="
            f"{settings.patience} epochs). Try more restarts, another learning rate "
            f"or more hidden units.",
            ConvergenceWarning,
            stacklevel=4,
        )
