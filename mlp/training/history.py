"""What a call to ``train`` did, epoch by epoch (:class:`History`), and how an epoch is
recorded in it: its losses, its validation loss and score, and what the stopping rules
make of them (:func:`record_epoch`). Each attempt records into a History of its own;
the kept attempt's is the one ``train`` returns."""

import math
from dataclasses import dataclass, field

from mlp.graph.layers import REGRESSION_OUTPUTS
from mlp.training.evaluation import evaluate

__all__ = ["History", "record_epoch", "record_diverged_epoch"]


@dataclass
class History:
    """The record of one call to ``FeedForwardNetwork.train``.

    Attributes
    ----------
    loss : list of float
        Training loss (the data term) per epoch of the kept attempt: the
        cross-entropy, or for regression half the mean squared error
        (``output="identity"``) or half the Poisson deviance (``"exponential"``);
        with minibatches, the mean over the epoch's batches, each measured before
        its step.
    total_loss : list of float
        The loss plus the L2 term, per epoch.
    validation_loss : list of float
        The loss on the validation data after each epoch (empty without validation
        data).
    validation_accuracy : list of float
        Classifiers: the accuracy on the validation data after each epoch (empty
        without validation data, and for regression).
    validation_score : list of float
        What early stopping can watch, higher is better, after each epoch: the value
        of ``train``'s ``validation_score`` hook when one is given, else the accuracy
        (classifiers) or R^2 (regression) on the validation data.
    learning_rate : list of float
        The learning rate used in each epoch (it changes under ``reduce_on_plateau``).
    seconds : list of float
        Wall-clock seconds of each epoch, validation included.
    epochs : int
        Epochs of the kept attempt.
    best_epoch : int
        The epoch (from 1) with the lowest monitored loss: the validation loss when
        there is validation data (with early stopping and a ``validation_score``
        hook, the epoch of the highest score), else the training loss.
    restored_best : bool
        True when early stopping put back the weights of ``best_epoch``.
    restarts : int
        Re-initialisations after a stall: a plateau at chance level or far above it
        (see ``FeedForwardNetwork.train``'s ``restarts``).
    stopped : str
        Why training ended: ``"target"`` (the training loss reached ``target_cost``),
        ``"epochs"`` (the budget ran out), ``"max_fun"`` (L-BFGS used up its
        ``max_fun`` cost evaluations), ``"early_stopping"`` (no validation
        improvement for ``patience`` epochs), ``"plateau"`` (no relative training
        improvement of ``tol`` for ``patience`` epochs: a converged fit, or a stall
        that the restarts did not escape; for L-BFGS, SciPy's own convergence) or
        ``"interrupted"`` (Ctrl-C: the weights of the last finished compiled call).
    chance_level : bool
        True when the kept attempt ended with a cross-entropy within 5% of ``ln K``
        (K classes): the network predicts no better than the class frequencies; for
        regression, with a loss at 95% or more of predicting the targets' mean (a
        training R^2 below 0.05).
    attempts : list of dict
        One entry per attempt: ``epochs``, ``loss`` (its final training loss, or
        the validation loss of the weights it kept) and ``stopped``. A restart whose cost
        became NaN or infinite ends the list with ``stopped="diverged"``, ``loss`` that
        cost and ``epochs`` the epoch where it happened; the history describes the
        best earlier attempt, whose weights the network keeps.
    optimizer_result : dict or None
        With ``optimizer="lbfgs"``, what ``scipy.optimize.minimize`` reported for the
        kept attempt: ``status`` (0 converged, 1 ``epochs`` or ``max_fun`` reached,
        2 otherwise), ``message``, ``nit`` (iterations) and ``nfev`` (cost
        evaluations). None for the other optimisers.
    """

    loss: list = field(default_factory=list)
    total_loss: list = field(default_factory=list)
    validation_loss: list = field(default_factory=list)
    validation_accuracy: list = field(default_factory=list)
    validation_score: list = field(default_factory=list)
    learning_rate: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    epochs: int = 0
    best_epoch: int = 0
    restored_best: bool = False
    restarts: int = 0
    stopped: str = ""
    chance_level: bool = False
    attempts: list = field(default_factory=list)
    optimizer_result: dict | None = None

    @property
    def final_loss(self):
        """The last training loss of the kept attempt (NaN when no epoch ran)."""
        return self.loss[-1] if self.loss else float("nan")

    def plot(self, path):
        """Save the loss (and validation) curves to a PNG file at ``path``.

        Needs matplotlib, an optional dependency (``pip install matplotlib``). The
        curves are drawn on a :class:`matplotlib.figure.Figure` of their own with
        the Agg canvas: pyplot is not used, so the user's backend, pyplot's current
        figure and open windows are left as they were.
        """
        try:
            # ``import matplotlib.figure`` looks for matplotlib itself first, even when
            # the submodule was imported before.
            import matplotlib.backends.backend_agg
            import matplotlib.figure
        except ImportError as error:
            raise ImportError(
                "History.plot needs the package matplotlib: pip install matplotlib"
            ) from error

        epochs = range(1, len(self.loss) + 1)
        figure = matplotlib.figure.Figure(figsize=(10, 4))
        matplotlib.backends.backend_agg.FigureCanvasAgg(figure)
        loss_axes, accuracy_axes = figure.subplots(1, 2)
        loss_axes.plot(epochs, self.loss, label="training loss")
        loss_axes.plot(epochs, self.total_loss, label="training cost (with L2)", alpha=0.6)
        if self.validation_loss:
            loss_axes.plot(epochs, self.validation_loss, label="validation loss")
            # The accuracy for classifiers; R^2 or the hook's score otherwise.
            scores = self.validation_accuracy or self.validation_score
            name = "validation accuracy" if self.validation_accuracy else "validation score"
            accuracy_axes.plot(epochs[:len(scores)], scores, label=name)
        if self.best_epoch:
            loss_axes.axvline(self.best_epoch, color="grey", linestyle=":", label="best epoch")
        loss_axes.set_xlabel("epoch")
        loss_axes.set_yscale("log")
        loss_axes.legend()
        accuracy_axes.set_xlabel("epoch")
        accuracy_axes.set_ylabel("accuracy" if self.validation_accuracy else "score")
        if self.validation_accuracy or self.validation_score:
            accuracy_axes.legend()
        else:
            accuracy_axes.set_axis_off()
        figure.tight_layout()
        figure.savefig(path, format="png")


def _hook_score(validation_score, outputs):
    """The validation score hook's value for ``outputs``, as a float."""
    value = validation_score(outputs)
    try:
        return float(value)
    except (TypeError, ValueError) as error:
        raise TypeError(
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
        if backend.output not in REGRESSION_OUTPUTS:
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


def record_diverged_epoch(record, data, cost, learning_rate):
    """Record an epoch whose cost became ``cost`` (NaN or infinite): its weights were
    not kept, so every validation figure of it is NaN (scikit-learn scores non-finite
    predictions so)."""
    record.loss.append(cost)
    record.total_loss.append(cost)
    record.learning_rate.append(learning_rate)
    record.seconds.append(0.0)
    if data.has_validation:
        record.validation_loss.append(math.nan)
        record.validation_score.append(math.nan)
        # Classifiers record an accuracy per epoch, regression none: follow the
        # epochs before (there is at least one; a first epoch's divergence raises).
        if record.validation_accuracy:
            record.validation_accuracy.append(math.nan)
