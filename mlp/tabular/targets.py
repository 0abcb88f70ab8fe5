"""The targets of the tabular estimators, checked before anything is fitted: no
missing value (an error naming ``y`` and the first row at fault), as many rows as
``X``."""

import numpy

from mlp.tabular.columns import missing_mask

__all__ = ["checked_targets"]


def checked_targets(y, n_rows, numeric):
    """``y`` as an array (1-d, or 2-d for several outputs), refused with a ValueError
    naming ``y`` when it has a missing value, the wrong length or (``numeric``) a value
    that is not a finite number."""
    if hasattr(y, "to_numpy"):
        y = y.to_numpy()
    y = numpy.asarray(y)
    if y.ndim == 0 or y.ndim > 2:
        raise ValueError(f"`y` must be 1-d (or 2-d for several outputs). Received y of shape {y.shape}")
    if y.shape[0] != n_rows:
        raise ValueError(f"Found input variables with inconsistent numbers of samples: X has "
                         f"{n_rows} rows, y has {y.shape[0]}.")
    flat = y.reshape(y.shape[0], -1)
    if flat.dtype.kind in "fc":
        missing = numpy.isnan(flat).any(axis=1)
    elif flat.dtype.kind == "O":
        missing = numpy.column_stack([missing_mask(flat[:, index]) for index in range(flat.shape[1])]
                                     ).any(axis=1)
    else:
        missing = numpy.zeros(flat.shape[0], dtype=bool)
    if missing.any():
        raise ValueError(f"Input y contains NaN (a missing target) in {int(missing.sum())} rows, "
                         f"the first at row {int(numpy.flatnonzero(missing)[0])}; drop those rows "
                         f"before fitting.")
    if numeric:
        try:
            y = y.astype(numpy.float64)
        except (TypeError, ValueError) as error:
            raise ValueError(f"`y` must hold numbers for a regressor: {error}") from error
        if not numpy.isfinite(y).all():
            raise ValueError("Input y contains infinity or a value too large for dtype('float64').")
    return y
