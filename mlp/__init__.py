"""mlp: a small, fast, dependable MLP (classifier and regressor) on a Theano-lineage graph engine."""

from mlp import engine
from mlp.errors import ConvergenceWarning, DivergenceError, NotInitializedError
from mlp.graph.activations import ComputationBackend
from mlp.graph.layers import (
    ELULayer,
    GELULayer,
    IdentityLayer,
    InputLayer,
    Layer,
    LeakyReLULayer,
    ReLULayer,
    SigmoidLayer,
    SiLULayer,
    SoftmaxLayer,
    TanhLayer,
)
from mlp.network import FeedForwardNetwork, Network
from mlp.runtime.backend import NetworkBackend
from mlp.runtime.programs import clear_cache
from mlp.saving import load, save
from mlp.training.history import History
from mlp.version import __version__ as __version__

__all__ = [
    "engine", "ComputationBackend", "NetworkBackend", "ConvergenceWarning",
    "DivergenceError", "NotInitializedError", "History", "IdentityLayer", "InputLayer", "Layer",
    "ReLULayer", "LeakyReLULayer", "ELULayer", "GELULayer", "SiLULayer",
    "SigmoidLayer", "SoftmaxLayer", "TanhLayer", "FeedForwardNetwork", "Network",
    "MLPClassifier", "MLPRegressor", "TabularClassifier", "TabularRegressor", "save", "load",
    "to_onnx", "clear_cache",
]


def __getattr__(name):
    # Imported on first use: the scikit-learn front end needs scikit-learn, which the
    # seed's front end does not.
    if name == "MLPClassifier":
        from mlp.sklearn.classifier import MLPClassifier

        return MLPClassifier
    if name == "MLPRegressor":
        from mlp.sklearn.regressor import MLPRegressor

        return MLPRegressor
    if name in ("TabularClassifier", "TabularRegressor"):
        from mlp.tabular import classifier, regressor

        return getattr(classifier if name == "TabularClassifier" else regressor, name)
    if name == "to_onnx":
        # Needs no scikit-learn; the onnx package itself is imported when it runs.
        from mlp.export import to_onnx

        return to_onnx
    raise AttributeError(f"module 'mlp' has no attribute {name!r}")
