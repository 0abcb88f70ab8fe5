"""The stopping rules of one training attempt, each stated once.

An attempt stops when the training loss reaches ``target_cost`` (the target rule), or
when the monitored loss has not improved for ``patience`` epochs (the plateau rule;
early stopping when the monitored loss is the validation loss). The reduce-on-plateau
learning-rate schedule is the plateau rule again, with its own patience.

Both ways of training apply the same code: :meth:`Monitor.after_epoch` (one epoch at a
time: validation, schedules, callbacks that read the weights) hands
:meth:`Plateau.scan` a list of one epoch; :meth:`Monitor.after_epochs` hands it the
many epochs of full-batch compiled calls at once. The scan is a loop of local
variables because it runs for every epoch of full-batch training (hundreds of
thousands a second).
"""

import math

import numpy

__all__ = ["Plateau", "Monitor"]


class Plateau:
    """"No improvement for ``patience`` epochs", and the state it keeps.

    An epoch improves when its loss falls below a threshold, which moves as the loss
    does: ``scale * anchor - shift``, where the anchor is the loss at the last
    improvement (``reference``), or, when ``follows_best``, the lowest loss so far
    (``best``). ``inclusive`` makes a loss equal to the threshold an improvement.
    Measuring progress from the last real improvement, not from the last epoch, makes
    a crawl of tiny steps still end as a plateau.

    Parameters
    ----------
    patience : int
        Epochs without improvement that make a plateau.
    scale, shift : float
        The threshold's factor and offset.
    inclusive, follows_best : bool
        See above.
    """

    def __init__(self, patience, scale=1.0, shift=0.0, inclusive=False, follows_best=False):
        self.patience = patience
        self.scale, self.shift = scale, shift
        self.inclusive, self.follows_best = inclusive, follows_best
        self.reference = math.inf
        self.best = math.inf
        self.since_improvement = 0

    @classmethod
    def of(cls, patience, tol_rule, tol, min_delta=None, follows_best=True):
        """The plateau rule of ``tol_rule``: ``"relative"``, below the reference by a
        factor ``1 - tol``; ``"absolute"``, at or below the best by ``tol`` (the
        reference instead when not ``follows_best``); and, when ``min_delta`` is given
        (early stopping), below the reference by ``min_delta``.
        """
        if min_delta is not None:
            return cls(patience, shift=min_delta)
        if tol_rule == "absolute":
            return cls(patience, shift=tol, inclusive=True, follows_best=follows_best)
        return cls(patience, scale=1 - tol)

    def scan(self, losses, train_losses, target_cost=-math.inf):
        """Apply the target and plateau rules to ``losses``, epoch after epoch.

        ``train_losses`` are the training losses of the same epochs (the target rule
        reads them; they may be ``losses`` itself). Returns ``(reason, count,
        best_index)``: why to stop (``"target"``, ``"plateau"`` or None), after how
        many of these epochs, and the index of the lowest loss among them that is a
        new best (-1 if none). The state is left as after the last of those epochs;
        the target counts when both rules stop at the same epoch.
        """
        scale, shift, inclusive, follows_best = self.scale, self.shift, self.inclusive, self.follows_best
        patience, reference, best = self.patience, self.reference, self.best
        since, best_index = self.since_improvement, -1
        threshold = scale * (best if follows_best else reference) - shift
        reason, count = None, len(losses)
        for index, (loss, train_loss) in enumerate(zip(losses, train_losses)):
            if loss < threshold or inclusive and loss == threshold:
                reference, since = loss, 0
                if not follows_best:
                    threshold = scale * loss - shift
            else:
                since += 1
            if loss < best:
                best, best_index = loss, index
                if follows_best:
                    threshold = scale * loss - shift
            if train_loss <= target_cost:
                reason, count = "target", index + 1
                break
            if since >= patience:
                reason, count = "plateau", index + 1
                break
        self.reference, self.best, self.since_improvement = reference, best, since
        return reason, count, best_index


class Monitor:
    """Decides, epoch by epoch, whether an attempt stops; keeps its best weights and
    its learning rate.

    The monitored loss is the validation loss when there is validation data, else the
    training loss. Early stopping counts epochs since the last improvement larger than
    ``min_delta``; the plateau rule since the last ``tol_rule`` improvement of
    ``tol``; the reduce-on-plateau schedule since its last change.

    Parameters
    ----------
    backend : NetworkBackend or None
        Where early stopping takes the best epoch's weights from (None: no early
        stopping).
    settings : TrainingSettings
    has_validation : bool
        Whether epochs come with a validation loss; early stopping needs one.
    """

    def __init__(self, backend, settings, has_validation):
        self.backend = backend
        self.settings = settings
        self.early_stopping = settings.early_stopping and has_validation
        min_delta = settings.min_delta if self.early_stopping else None
        self.plateau = Plateau.of(settings.patience, settings.tol_rule, settings.tol, min_delta)
        # The schedule measures absolute progress from the loss at its last
        # improvement, not from the best loss.
        self.schedule_plateau = Plateau.of(settings.schedule_patience, settings.tol_rule,
                                           settings.tol, follows_best=False)
        self.best_epoch = 0
        self.best_values = None
        # With average_around_best: the weights of the epoch before the best one, of
        # the one after it, and of the last epoch seen.
        self.around_best = [None, None]
        self.last_values = None
        self.learning_rate = settings.alpha
        self.samples_seen = 0

    @property
    def best_loss(self):
        """The lowest monitored loss so far."""
        return self.plateau.best

    @property
    def since_improvement(self):
        """Epochs since the monitored loss last improved."""
        return self.plateau.since_improvement

    def after_epoch(self, epoch, train_loss, monitored_loss, samples=0, score=None):
        """Return why the attempt stops after this epoch, or None to go on.

        ``score`` is the validation score hook's value (higher is better), or None;
        with early stopping it is watched, as the loss ``-score``, instead of
        ``monitored_loss`` (which the learning-rate schedule keeps watching).
        """
        schedule_loss = monitored_loss
        if self.early_stopping and score is not None:
            monitored_loss = -score
        if self.early_stopping and self.settings.average_around_best:
            self._track_around_best(monitored_loss < self.best_loss)
        if self.early_stopping and monitored_loss < self.best_loss:
            self.best_values = self.backend.get_values()
        reason, _ = self._apply(epoch - 1, [monitored_loss], [train_loss], (samples,))
        self._schedule(schedule_loss, epoch)
        return reason

    def after_epochs(self, epoch, losses, samples):
        """:meth:`after_epoch` for the epochs ``epoch + 1, ...`` of full-batch calls,
        monitored on the training loss with a constant learning rate.

        Returns ``(reason, count)``: why to stop (or None) and after how many of these
        epochs; the monitor is left as after the last of those ``count`` epochs.
        """
        return self._apply(epoch, losses, losses, samples)

    def _apply(self, epoch, monitored_losses, train_losses, samples):
        reason, count, best_index = self.plateau.scan(monitored_losses, train_losses,
                                                      self.settings.target_cost)
        if best_index >= 0:
            self.best_epoch = epoch + best_index + 1
        self.samples_seen += sum(samples[:count])
        if reason == "plateau" and self.early_stopping:
            reason = "early_stopping"
        return reason, count

    def _schedule(self, monitored_loss, epoch):
        if self.settings.schedule == "cosine":
            # The next epoch's rate: half a cosine from alpha at the first epoch down
            # to zero after the last one.
            self.learning_rate = self.settings.alpha * 0.5 * (
                1 + math.cos(math.pi * min(epoch, self.settings.epochs) / self.settings.epochs))
        elif self.settings.schedule == "invscaling":
            self.learning_rate = self.settings.alpha / (self.samples_seen + 1) ** self.settings.power_t
        elif self.settings.schedule == "reduce_on_plateau":
            reason, _, _ = self.schedule_plateau.scan([monitored_loss], [monitored_loss])
            if reason == "plateau":
                self.learning_rate /= self.settings.schedule_factor
                self.schedule_plateau.since_improvement = 0

    def _track_around_best(self, new_best):
        values = self.backend.get_values()
        if new_best:
            self.around_best = [self.last_values, None]
        elif self.around_best[1] is None and self.best_values is not None:
            self.around_best[1] = values
        self.last_values = values

    def restore_best(self):
        """Put back the weights of the best validation epoch (early stopping only); with
        ``average_around_best``, the mean of its parameters and those of the epochs
        just before and after it. An average of nearby points of one trajectory lies
        lower in the same valley than its ends: it generalises better (stochastic
        weight averaging, Izmailov et al., 2018; docs/tabular.md has the figures)."""
        if self.best_values is None:
            return False
        values = self.best_values
        neighbours = [other for other in self.around_best if other is not None]
        if self.settings.average_around_best and neighbours:
            count = len(self.backend.parameters)
            # Averaged in NumPy: JAX would compile an addition and a division for each
            # parameter shape, 18 small programs (0.55 s) on the tabular benchmark's
            # first fits, in every new process.
            on_host = [[numpy.asarray(value) for value in snapshot[:count]]
                       for snapshot in (values, *neighbours)]
            means = [sum(parts[1:], parts[0]) / len(parts) for parts in zip(*on_host)]
            values = means + list(values[count:])
        self.backend.set_values(values)
        return True
