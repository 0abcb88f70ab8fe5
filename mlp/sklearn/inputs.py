"""Input conversion for the estimators: ``X`` as the network's dense array, and errors
that name the argument they came from."""

import re

import numpy
from scipy import sparse

from mlp.validation import check_range

__all__ = ["dense", "naming"]


def dense(X, dtype, name="X"):
    """``X`` as a C-contiguous dense array of ``dtype`` (sparse input is densified).

    A value beyond ``dtype``'s range (1e39 for a float32 network) is refused, naming
    it, rather than converted to an infinity."""
    if sparse.issparse(X):
        X = X.toarray()
    check_range(name, X, dtype)
    return numpy.ascontiguousarray(X, dtype=dtype)


def naming(name, function, *arguments, **keywords):
    """Call ``function``; a ValueError or TypeError it raises whose message does not
    name ``name`` (scikit-learn's "Found array with 0 sample(s)...", say) is raised
    with the name in front, unchanged otherwise."""
    try:
        return function(*arguments, **keywords)
    except (ValueError, TypeError) as error:
        if len(error.args) == 1 and not re.search(rf"(?<![A-Za-z0-9_]){name}(?![A-Za-z0-9_])", str(error)):
            error.args = (f"Invalid `{name}`: {error.args[0]}",)
        raise
