"""What a fitted ``MLPClassifier`` or ``MLPRegressor`` puts in a model file (one ``.npz``
of arrays and a JSON header, never pickle: :mod:`mlp.io.model_file`), and how it is
read back.

The estimator's class is passed in, not imported: ``mlp.save`` / ``mlp.load``
(:mod:`mlp.saving`) choose it from the header's ``kind``.
"""

import numbers

import numpy

from mlp.io.model_file import ModelFileError, write_model

__all__ = ["ESTIMATOR_KINDS", "estimator_contents", "save_estimator", "load_estimator"]

# The estimators a file can hold.
ESTIMATOR_KINDS = ("MLPClassifier", "MLPRegressor")
# Fitted attributes kept in the header as JSON (numbers, lists, None).
_SCALAR_ATTRIBUTES = ("n_iter_", "t_", "loss_", "best_loss_", "best_validation_score_",
                      "n_layers_", "n_outputs_", "out_activation_", "n_features_in_")
_CURVE_ATTRIBUTES = ("loss_curve_", "validation_scores_", "validation_loss_curve_")


def _json_value(value):
    if isinstance(value, numpy.generic):
        return value.item()
    if isinstance(value, tuple):
        return [_json_value(item) for item in value]
    if isinstance(value, list):
        return [_json_value(item) for item in value]
    return value


def _parameters(estimator):
    parameters = {}
    for name, value in estimator.get_params(deep=False).items():
        if name == "random_state" and not isinstance(value, numbers.Integral):
            value = None  # a RandomState's state is not kept; the weights are saved
        if name == "scoring" and callable(value):
            value = None  # code is not saved; scoring only matters to a new fit
        if name == "class_weight" and isinstance(value, dict):
            value = {"pairs": [[_json_value(label), float(weight)] for label, weight in value.items()]}
        parameters[name] = _json_value(value)
    return parameters


def save_estimator(estimator, path):
    """Save a fitted ``MLPClassifier`` or ``MLPRegressor`` (parameters, classes, weights,
    curves) to ``path``.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        Fitted.
    path : str or pathlib.Path
        The ``.npz`` file to write, atomically.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        When ``estimator`` has not been fitted.
    """
    header, arrays = estimator_contents(estimator)
    write_model(path, header, arrays)


def estimator_contents(estimator):
    """``(header, arrays)``: what :func:`save_estimator` writes for a fitted
    ``MLPClassifier`` or ``MLPRegressor`` (a model that holds one, as the tabular
    estimators do, writes them inside its own file); :func:`load_estimator` reads
    them back."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    header = {"kind": type(estimator).__name__, "parameters": _parameters(estimator)}
    if hasattr(estimator, "classes_"):
        classes = numpy.asarray(estimator.classes_)
        if classes.dtype == object:
            classes = numpy.asarray(classes.tolist())
        if classes.dtype.kind not in "biufU":
            raise TypeError(f"Cannot save classes of dtype {classes.dtype}: use numbers or strings.")
        header.update(classes=classes.tolist(), classes_dtype=classes.dtype.str)
    header.update({
        "feature_names_in": (estimator.feature_names_in_.tolist()
                             if hasattr(estimator, "feature_names_in_") else None),
    })
    for name in _SCALAR_ATTRIBUTES + _CURVE_ATTRIBUTES:
        header[name] = _json_value(getattr(estimator, name, None))
    arrays = {}
    for index, (coef, intercept) in enumerate(zip(estimator.coefs_, estimator.intercepts_)):
        arrays[f"coefs_{index}"] = coef
        arrays[f"intercepts_{index}"] = intercept
    return header, arrays


def load_estimator(estimator_class, path, header, arrays):
    """The ``MLPClassifier`` or ``MLPRegressor`` that a file written by
    :func:`save_estimator` describes, ready to predict.

    Parameters
    ----------
    estimator_class : type
        The class the header's ``kind`` names.
    path : str or pathlib.Path
        Names the file in error messages.
    header, arrays : dict
        The file's contents, from :func:`mlp.io.model_file.read_model`.

    Returns
    -------
    MLPClassifier or MLPRegressor

    Raises
    ------
    mlp.io.model_file.ModelFileError
        When the file does not describe a valid fitted estimator.
    """
    kind = header.get("kind")
    classifier = kind == "MLPClassifier"
    parameters = dict(header.get("parameters") or {})
    if isinstance(parameters.get("class_weight"), dict):
        parameters["class_weight"] = {label: weight for label, weight in parameters["class_weight"]["pairs"]}
    if isinstance(parameters.get("hidden_layer_sizes"), list):
        parameters["hidden_layer_sizes"] = tuple(parameters["hidden_layer_sizes"])
    try:
        estimator = estimator_class(**parameters)
        if classifier:
            classes = numpy.asarray(header["classes"], dtype=numpy.dtype(header["classes_dtype"]))
    except (TypeError, ValueError, KeyError) as error:
        raise ModelFileError(f"{path} has an invalid {kind} header: {error}") from error
    n_layers = header.get("n_layers_")
    if not isinstance(n_layers, int) or n_layers < 2:
        raise ModelFileError(f"{path} has an invalid n_layers_: {n_layers!r}")
    coefs, intercepts = [], []
    for index in range(n_layers - 1):
        for name, target in ((f"coefs_{index}", coefs), (f"intercepts_{index}", intercepts)):
            if name not in arrays:
                raise ModelFileError(f"{path} has no array `{name}`")
            array = arrays[name]
            if array.dtype.kind != "f" or not numpy.isfinite(array).all():
                raise ModelFileError(f"{path}: array `{name}` is not finite floats")
            target.append(array)
    for index in range(1, len(coefs)):
        if coefs[index].shape[0] != coefs[index - 1].shape[1]:
            raise ModelFileError(
                f"{path}: array `coefs_{index}` has shape {coefs[index].shape}, which does not "
                f"follow `coefs_{index - 1}` of shape {coefs[index - 1].shape}")
    for index, (coef, intercept) in enumerate(zip(coefs, intercepts)):
        if intercept.shape != (coef.shape[1],):
            raise ModelFileError(
                f"{path}: array `intercepts_{index}` has shape {intercept.shape}, expected "
                f"({coef.shape[1]},)")
    outputs = len(classes) if classifier else header.get("n_outputs_")
    if coefs[-1].shape[1] != outputs or coefs[0].shape[0] != header.get("n_features_in_"):
        raise ModelFileError(
            f"{path}: the weights ({coefs[0].shape[0]} inputs, {coefs[-1].shape[1]} outputs) do not "
            f"match n_features_in_={header.get('n_features_in_')} and {outputs} "
            f"{'classes' if classifier else 'outputs'}")
    if classifier:
        estimator.classes_ = classes
    estimator.coefs_, estimator.intercepts_ = coefs, intercepts
    for name in _SCALAR_ATTRIBUTES + _CURVE_ATTRIBUTES:
        setattr(estimator, name, header.get(name))
    if header.get("feature_names_in") is not None:
        estimator.feature_names_in_ = numpy.asarray(header["feature_names_in"], dtype=object)
    return estimator
