"""The progress bar shown by ``train(..., verbose=True)``."""

__all__ = ["Progress"]

# Past this many epochs the bar shows a count and a rate, not a fraction.
_LARGEST_TOTAL = 10**7


class Progress:
    """A tqdm bar over epochs with the current losses; silent when not ``verbose``."""

    def __init__(self, verbose, epochs):
        self.verbose = verbose
        self.epochs = epochs
        self.bar = None

    def __enter__(self):
        if self.verbose:
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

    def update(self, loss, validation_loss=None, steps=1):
        """Advance ``steps`` epochs and show the latest losses."""
        if self.bar is None:
            return
        losses = {"loss": f"{loss:.4f}"}
        if validation_loss is not None:
            losses["val_loss"] = f"{validation_loss:.4f}"
        self.bar.set_postfix(losses, refresh=False)
        self.bar.update(steps)
