"""What ``train`` reports while it runs: the progress bar of ``verbose=True`` and the
epochs handed to a ``callback``."""

__all__ = ["Progress"]

# Past this many epochs the bar shows a count and a rate, not a fraction.
_LARGEST_TOTAL = 10**7


class Progress:
    """A tqdm bar over epochs with the current losses (silent when not ``verbose``), and
    each recorded epoch passed to ``callback(epoch, logs)`` when one is given."""

    def __init__(self, verbose, epochs, callback=None):
        self.verbose = verbose
        self.epochs = epochs
        self.callback = callback
        self.bar = None

    def __enter__(self):
        if self.verbose:
            # Imported only when a bar is shown: quiet training never loads tqdm.
            from tqdm.auto import tqdm

            total = self.epochs if self.epochs <= _LARGEST_TOTAL else None
            self.bar = tqdm(total=total, unit="epoch", desc="attempt 1", dynamic_ncols=True)
        return self

    def __exit__(self, *exc_info):
        if self.bar is not None:
            self.bar.close()
        return False

    def restart(self, attempt_number):
        """Start counting a new attempt after a stall."""
        if self.bar is not None:
            self.bar.reset()
            self.bar.set_description(f"attempt {attempt_number + 1}")

    def update(self, record, steps=1):
        """Report the last ``steps`` epochs of ``record`` (the attempt's curves)."""
        if self.callback is not None:
            for index in range(len(record.loss) - steps, len(record.loss)):
                self.callback(index + 1, _logs(record, index))
        if self.bar is None:
            return
        losses = {"loss": f"{record.loss[-1]:.4f}"}
        if record.validation_loss:
            losses["val_loss"] = f"{record.validation_loss[-1]:.4f}"
        self.bar.set_postfix(losses, refresh=False)
        self.bar.update(steps)


def _logs(record, index):
    """The values of epoch ``index + 1``, by the names of :class:`History`'s curves."""
    logs = {"loss": record.loss[index], "total_loss": record.total_loss[index],
            "learning_rate": record.learning_rate[index], "seconds": record.seconds[index]}
    if record.validation_loss:
        logs["validation_loss"] = record.validation_loss[index]
        if record.validation_accuracy:
            logs["validation_accuracy"] = record.validation_accuracy[index]
        logs["validation_score"] = record.validation_score[index]
    return logs
