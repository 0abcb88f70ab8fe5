"""``mlp.save`` and ``mlp.load``: one file format for both front ends.

A file holds a ``FeedForwardNetwork`` (:mod:`mlp.io.network_file`) or a fitted
``MLPClassifier`` / ``MLPRegressor`` (:mod:`mlp.io.estimator_file`): one ``.npz`` of
arrays and a JSON header (:mod:`mlp.io.model_file`), never pickle, written atomically.
"""

import importlib
import sys

from mlp.io import network_file
from mlp.io.estimator_file import ESTIMATOR_KINDS, load_estimator, save_estimator
from mlp.io.model_file import read_model
from mlp.network import FeedForwardNetwork

__all__ = ["save", "load"]

# The module of each estimator, imported only when a file of one is loaded: the
# estimators need scikit-learn, the seed's front end does not.
_ESTIMATOR_MODULES = {"MLPClassifier": "mlp.sklearn.classifier", "MLPRegressor": "mlp.sklearn.regressor"}
_TABULAR_MODULES = {"TabularClassifier": "mlp.tabular.classifier",
                    "TabularRegressor": "mlp.tabular.regressor"}


def save(model, path):
    """Save a ``FeedForwardNetwork``, or a fitted ``MLPClassifier`` or ``MLPRegressor``,
    to one ``.npz`` file.

    The file holds arrays and a JSON header (format version, architecture,
    activations, classes, dtype, library version, engine); nothing in it is pickled,
    and it is written atomically.

    Parameters
    ----------
    model : FeedForwardNetwork, MLPClassifier, MLPRegressor, TabularClassifier or TabularRegressor
        One of mlp's own models (checked with ``isinstance``): scikit-learn's
        ``sklearn.neural_network.MLPClassifier`` is another model and is refused.
    path : str or pathlib.Path

    Raises
    ------
    TypeError
        When ``model`` is not an mlp model; the message names the type received.

    Examples
    --------
    >>> mlp.save(network, "model.npz")  # doctest: +SKIP
    >>> network = mlp.load("model.npz")  # doctest: +SKIP
    """
    if isinstance(model, FeedForwardNetwork):
        network_file.write_network(model, path)
    elif _is_mlp_estimator(model):
        save_estimator(model, path)
    elif _is_instance(model, _TABULAR_MODULES):
        from mlp.tabular.model_file import save_tabular

        save_tabular(model, path)
    else:
        kind = type(model)
        raise TypeError(
            f"`model` must be an mlp.TabularClassifier, an mlp.TabularRegressor, an mlp.MLPRegressor, "
            f"an mlp.FeedForwardNetwork or an mlp.MLPClassifier. "
            f"Received: model of type {kind.__module__}.{kind.__qualname__}")


def _is_mlp_estimator(model):
    """Whether ``model`` is one of mlp's estimators, without importing scikit-learn: when
    their module was never imported, no object can be an instance of their class."""
    return _is_instance(model, _ESTIMATOR_MODULES)


def _is_instance(model, modules):
    for kind, module_name in modules.items():
        module = sys.modules.get(module_name)
        if module is not None and isinstance(model, getattr(module, kind)):
            return True
    return False


def load(path):
    """Load what :func:`save` wrote: a ``FeedForwardNetwork``, ``MLPClassifier`` or
    ``MLPRegressor``.

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    FeedForwardNetwork, MLPClassifier or MLPRegressor

    Raises
    ------
    FileNotFoundError
        When there is no file at ``path``.
    mlp.io.model_file.ModelFileError
        When the file is truncated, corrupted, of another format version, or its
        arrays disagree with its header; the message names the file and the problem.
    """
    header, arrays = read_model(path)
    kind = header.get("kind")
    if kind in ESTIMATOR_KINDS:
        estimator_class = getattr(importlib.import_module(_ESTIMATOR_MODULES[kind]), kind)
        return load_estimator(estimator_class, path, header, arrays)
    if kind in _TABULAR_MODULES:
        from mlp.tabular.model_file import load_tabular

        estimator_class = getattr(importlib.import_module(_TABULAR_MODULES[kind]), kind)
        return load_tabular(estimator_class, path, header, arrays)
    return network_file.network_from_contents(FeedForwardNetwork, path, header, arrays)
