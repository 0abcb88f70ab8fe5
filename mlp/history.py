"""What a call to ``train`` did, epoch by epoch."""

from dataclasses import dataclass, field

__all__ = ["History"]


@dataclass
class History:
    """The record of one call to ``FeedForwardNetwork.train``.

    Attributes
    ----------
    loss : list of float
        Cross-entropy (the data term) per epoch of the run that was kept.
    total_loss : list of float
        Cross-entropy plus the L2 term per epoch of that run.
    epochs : int
        Epochs of the run that was kept.
    restarts : int
        Re-initialisations after a stall.
    stopped : str
        Why training ended: ``"target"`` (the cross-entropy reached ``target_cost``),
        ``"epochs"`` (the epoch budget ran out), ``"plateau"`` (no relative
        improvement of ``tol`` over ``patience`` epochs, even after the restarts) or
        ``"interrupted"`` (Ctrl-C).
    chance_level : bool
        True when the kept run ended with a cross-entropy within 5% of ``ln K``
        (K classes): the network predicts no better than the class frequencies.
    attempts : list of dict
        One entry per run (the first and each restart): ``epochs``, ``loss`` (its
        final cross-entropy) and ``stopped``.
    """

    loss: list = field(default_factory=list)
    total_loss: list = field(default_factory=list)
    epochs: int = 0
    restarts: int = 0
    stopped: str = ""
    chance_level: bool = False
    attempts: list = field(default_factory=list)

    @property
    def final_loss(self):
        """The last cross-entropy of the kept run (NaN when no epoch ran)."""
        return self.loss[-1] if self.loss else float("nan")
