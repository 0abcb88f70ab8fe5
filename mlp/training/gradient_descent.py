"""Step-based optimisers (momentum, Nesterov, Adam): one attempt as compiled calls of
many steps.

The plan of an attempt's steps (row indices of each minibatch, or a number of
full-batch steps) is cut into calls of the backend's ``train_steps``; between calls
the loop records epochs, applies the stopping rules and reads the Ctrl-C flag. A
snapshot of the weights taken before each call is what a NaN or an interrupt inside
it restores.
"""

import math
import time

import numpy

from mlp.errors import DivergenceError
from mlp.training.batches import minibatches
from mlp.training.history import History, record_diverged_epoch, record_epoch
from mlp.training.stopping import Monitor

__all__ = ["run_attempt"]


class WeightsSnapshot:
    """The weights from before the current compiled call, to restore after a NaN or an
    interrupt inside it (the backend's values are snapshots that cost nothing: calls
    return new arrays)."""

    def __init__(self, backend):
        self.backend = backend
        self.values = backend.get_values()

    def take(self):
        self.values = self.backend.get_values()

    def restore(self):
        self.backend.set_values(self.values)


def _divergence(loss, epoch, attempt_number, settings):
    return DivergenceError(
        f"The cost became {loss} at epoch {epoch} (attempt {attempt_number + 1}); the "
        f"weights from before that compiled call, all finite, were restored. Try a smaller "
        f"learning rate: alpha={settings.alpha} (or a smaller L2 weight than "
        f"reg_lambda={settings.reg_lambda}, or inputs X scaled to smaller values).",
        epoch=epoch, cost=float(loss),
    )


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


def _run_calls(backend, plan, settings, learning_rate, snapshot, interrupt, epoch, attempt_number,
               steps_per_epoch=1, batch_size=1, length=None):
    """Run the steps of ``plan`` in compiled calls of at most ``steps_per_call`` steps.

    Returns the cost vectors of the steps that ran and whether Ctrl-C stopped them. A
    snapshot before each call is what a NaN or an interrupt inside the call restores.
    """
    hyper = (settings.momentum, settings.beta_1, settings.beta_2, settings.epsilon)
    steps_per_call = backend.steps_per_call(batch_size, steps_per_epoch == 1)
    data_costs, costs = [], []
    for first in range(0, _plan_length(plan), steps_per_call):
        snapshot.take()
        try:
            call_data_costs, call_costs, finite = backend.train_steps(
                settings.optimizer, _plan_part(plan, first, steps_per_call), settings.reg_lambda,
                learning_rate, *hyper, length=length, clip_norm=settings.clip_norm)
        except KeyboardInterrupt:
            # Cut short inside the engine: the updates may be partial.
            snapshot.restore()
            return data_costs, costs, True
        if not (finite and numpy.isfinite(call_data_costs).all() and numpy.isfinite(call_costs).all()):
            snapshot.restore()
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


def run_attempt(backend, data, settings, interrupt, attempt_number, generator, progress):
    """Train from the current weights with a step-based optimiser.

    Steps run in compiled multi-step calls. When nothing has to be looked at between
    epochs (validation data, a learning-rate schedule), a call runs a growing number
    of whole epochs, and the stopping rules are applied to them afterwards: the
    epochs past the stop are undone and run again up to it. Otherwise a call runs one
    epoch (split when an epoch is long). Stopping rules, Ctrl-C and the divergence
    guard are checked between calls.

    Returns ``(record, monitor, stopped)``: the attempt's curves, its
    :class:`~mlp.training.stopping.Monitor` and why it stopped.
    """
    record, monitor = History(), Monitor(backend, settings, data.has_validation)
    snapshot = WeightsSnapshot(backend)
    n_samples = data.inputs.shape[0]
    batch_size = min(settings.batch_size or n_samples, n_samples)
    steps_per_epoch = -(-n_samples // batch_size)
    shuffler = generator if settings.shuffle and steps_per_epoch > 1 else None
    # Nothing has to be looked at between epochs without validation data or a
    # schedule. Minibatch epochs then share a call when no stopping rule can fire
    # before its last epoch (the target is unreachable, the plateau rule needs
    # ``patience`` epochs), so nothing runs twice; full-batch epochs, one cheap step
    # each, share longer calls, undone and rerun past a stop.
    # A callback that reads each epoch's weights (``reads_weights``, as the scikit-learn
    # callbacks of mlp.sklearn.callbacks) needs them after every epoch, not per call.
    many_epochs_per_call = (not data.has_validation and settings.schedule == "constant"
                            and (steps_per_epoch == 1 or settings.target_cost <= 0)
                            and not getattr(settings.callback, "reads_weights", False))
    most_epochs = max(1, backend.steps_per_call(batch_size, steps_per_epoch == 1) // steps_per_epoch)
    length = backend.call_length(batch_size, steps_per_epoch, many_epochs_per_call)
    # A full-batch call runs at least the epochs in which no rule can stop (the
    # target out of reach, the plateau rule's patience unspent); beyond them, calls
    # start at 64 steps (a stop within them costs little to rerun) and double up to
    # the most a call makes.
    chunk, epoch, stopped = min(64, most_epochs), 0, "epochs"
    while epoch < settings.epochs and stopped == "epochs":
        epochs_now = 1
        patience_left = settings.patience - monitor.since_improvement
        if many_epochs_per_call and steps_per_epoch == 1:
            no_rule_can_stop = patience_left if settings.target_cost <= 0 else 0
            epochs_now = min(max(chunk, no_rule_can_stop), most_epochs, settings.epochs - epoch)
            chunk = min(2 * chunk, most_epochs)
        elif many_epochs_per_call:
            epochs_now = min(settings.epochs - epoch, most_epochs, max(1, patience_left))
        plan, sizes = _step_plan(n_samples, batch_size, epochs_now, shuffler)
        started = time.perf_counter()
        try:
            data_costs, costs, interrupted = _run_calls(
                backend, plan, settings, monitor.learning_rate, snapshot, interrupt, epoch,
                attempt_number, steps_per_epoch, batch_size, length)
        except DivergenceError as error:
            if not (settings.divergence_ends_attempt and data.has_validation and record.loss):
                raise
            # Validation rows mean one epoch a call: the diverged epoch is the next.
            record_diverged_epoch(record, data, error.cost, monitor.learning_rate)
            progress.update(record)
            return record, monitor, "diverged"
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
                snapshot.restore()
                _run_calls(backend, _plan_part(plan, 0, count * steps_per_epoch), settings,
                           monitor.learning_rate, snapshot, interrupt, epoch, attempt_number,
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
    """Record epochs whose stopping rules :meth:`Monitor.after_epochs` already applied."""
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
            reason = record_epoch(record, monitor, backend, data, epoch, loss, total_loss,
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
