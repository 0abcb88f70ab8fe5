"""Warnings and errors that training raises."""

__all__ = ["ConvergenceWarning", "DivergenceError", "NotInitializedError"]


class ConvergenceWarning(UserWarning):
    """Training ended above its target: stalled on a plateau, or at chance level."""


class DivergenceError(FloatingPointError):
    """The cost became NaN or infinite; the last finite weights were restored."""


class NotInitializedError(ValueError):
    """The network was used before ``initialize()`` built its layers and backend."""
