"""Warnings and errors that training raises."""

__all__ = ["ConvergenceWarning", "DivergenceError", "NotInitializedError"]


class ConvergenceWarning(UserWarning):
    """Training ended above its target: stalled on a plateau, or at chance level."""


class DivergenceError(FloatingPointError, ValueError):
    """The cost became NaN or infinite; the last finite weights were restored.

    A ``FloatingPointError``, and a ``ValueError`` as well: what scikit-learn's
    ``MLPClassifier`` raises when its weights become non-finite.

    Attributes
    ----------
    epoch : int or None
        The epoch (counted from 1 in its attempt) whose cost was not finite.
    cost : float or None
        That cost: NaN or infinity.
    """

    def __init__(self, message, epoch=None, cost=None):
        super().__init__(message)
        self.epoch = epoch
        self.cost = cost


class NotInitializedError(ValueError):
    """The network was used before ``initialize()`` built its layers and backend."""
