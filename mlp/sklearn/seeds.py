"""The networks' seeds: one per initialisation of ``n_init``, from ``random_state``."""

import numbers

from sklearn.utils import check_random_state

__all__ = ["seeds"]

# Upper bound of the integer seeds drawn for the networks (their generators take any
# non-negative int; this keeps them valid for numpy.random.RandomState too).
_MAX_SEED = 2**31 - 1


def seeds(random_state, n_init):
    """One integer seed per initialisation (consecutive for an integer random_state)."""
    if isinstance(random_state, numbers.Integral):
        base = int(random_state)
    else:
        base = int(check_random_state(random_state).randint(0, _MAX_SEED - n_init))
    return [base + i for i in range(n_init)]
