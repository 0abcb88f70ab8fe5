"""``mlp.to_onnx``: export a trained network or fitted estimator to ONNX.

What the graph holds is read off the model here (its weights, activations and
classes); :mod:`mlp.io.onnx` writes the graph.
"""

import sys

import numpy

from mlp.errors import NotInitializedError
from mlp.io.onnx import Description, onnx_model, onnx_package
from mlp.network import FeedForwardNetwork

__all__ = ["to_onnx"]

# The estimators' modules: a model can be one only once its module is imported.
_ESTIMATORS = {"classifier": ("mlp.sklearn.classifier", "MLPClassifier"),
               "regressor": ("mlp.sklearn.regressor", "MLPRegressor")}


def to_onnx(model, X_sample):
    """Return an ``onnx.ModelProto`` computing the predictions of ``model``.

    Parameters
    ----------
    model : MLPClassifier, MLPRegressor or FeedForwardNetwork
        Fitted (an estimator) or initialized (a network).
    X_sample : array-like (n_samples, n_features)
        A few input rows: their width is checked, and a float32 sample gives a float32
        graph, as in skl2onnx.

    Returns
    -------
    onnx.ModelProto
        Input ``X`` of shape ``[None, n_features]``. A classifier (or a softmax network)
        outputs ``label`` (``[None]``, int64, or strings as its ``classes_``) and
        ``probabilities`` (``[None, n_classes]``); a multilabel one (sigmoid outputs)
        ``label`` as the int64 indicator matrix and ``probabilities``, both
        ``[None, n_labels]``; a regressor (identity output) ``variable``
        (``[None, n_targets]``). ``X`` and the floats are float32 when the model or
        ``X_sample`` is float32, else float64.

    Raises
    ------
    ImportError
        When the ``onnx`` package is not installed.
    TypeError
        When ``model`` is not one of the types above.
    ValueError
        When ``model`` is not fitted (scikit-learn's ``NotFittedError`` for an estimator,
        :class:`mlp.NotInitializedError` for a network, both ValueErrors), or
        ``X_sample`` is not a numeric 2-D array as wide as the model's input.

    Examples
    --------
    >>> proto = mlp.to_onnx(model, X[:1].astype("float32"))  # doctest: +SKIP
    >>> session = onnxruntime.InferenceSession(proto.SerializeToString())  # doctest: +SKIP
    >>> label, probabilities = session.run(None, {"X": X.astype("float32")})  # doctest: +SKIP
    """
    onnx_package()  # before the model is read: a missing package is said first
    return onnx_model(_describe(model), X_sample, f"mlp_{type(model).__name__}")


def _describe(model):
    """The :class:`_Description` of ``model``, or a TypeError / ValueError naming it."""
    if isinstance(model, FeedForwardNetwork):
        if model.backend is None:
            raise NotInitializedError(
                "Received an uninitialized FeedForwardNetwork for `model`: call "
                "model.initialize() (and train it) before exporting it."
            )
        classes = numpy.arange(model.architecture[-1]) if model.output == "softmax" else None
        return Description([weights.T for weights in model.weights], model.bias,
                            model.activation, model.output, classes)
    kind = _estimator_kind(model)
    if kind is None:
        raise TypeError(
            "Received an invalid value for `model`, expected a fitted mlp.MLPClassifier or "
            "mlp.MLPRegressor, or a mlp.FeedForwardNetwork. Received: model of type "
            f"{type(model).__module__}.{type(model).__qualname__}"
        )
    # The estimator's module is loaded, so scikit-learn is there.
    from sklearn.exceptions import NotFittedError

    from mlp.sklearn.parameters import ACTIVATIONS as NETWORK_ACTIVATIONS

    if not hasattr(model, "coefs_"):
        raise NotFittedError(
            f"Received an unfitted {type(model).__name__} for `model`: call model.fit(X, y) "
            f"before exporting it."
        )

    output = {"softmax": "softmax", "logistic": "sigmoid", "identity": "identity",
              "exp": "exponential"}[model.out_activation_]
    classes = model.classes_ if kind == "classifier" and output == "softmax" else None
    return Description(model.coefs_, model.intercepts_, NETWORK_ACTIVATIONS[model.activation],
                        output, classes)


def _estimator_kind(model):
    """"classifier" or "regressor" for mlp's estimators, else None."""
    # Without their modules loaded, ``model`` is none of them, and nothing here imports
    # scikit-learn.
    for kind, (module_name, class_name) in _ESTIMATORS.items():
        module = sys.modules.get(module_name)
        if module is not None and isinstance(model, getattr(module, class_name)):
            return kind
    return None
