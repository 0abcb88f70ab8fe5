"""The curves of one training attempt, and how an epoch is recorded: its losses, its
validation loss and score, and what the stopping rules make of them."""

from mlp.evaluation import evaluate

__all__ = ["Record", "ScoreError", "record_epoch"]


class Record:
    """Per-epoch curves of one attempt (and, for L-BFGS, what SciPy reported)."""

    def __init__(self):
        self.loss, self.total_loss = [], []
        self.validation_loss, self.validation_accuracy = [], []
        self.validation_score = []
        self.learning_rate, self.seconds = [], []
        self.optimizer_result = None


class ScoreError(TypeError):
    """The validation score hook returned something that is not a number."""


def _hook_score(validation_score, outputs):
    """The validation score hook's value for ``outputs``, as a float."""
    value = validation_score(outputs)
    try:
        return float(value)
    except (TypeError, ValueError) as error:
        raise ScoreError(
            f"`validation_score` must return a number (higher is better). "
            f"Received: validation_score(outputs)={value!r}"
        ) from error


def record_epoch(record, monitor, backend, data, epoch, loss, total_loss, seconds, progress,
                 samples=0):
    """Record one epoch, scoring the validation rows if any, and return why the attempt
    stops (or None)."""
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
