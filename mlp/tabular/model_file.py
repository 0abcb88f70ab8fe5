"""What a fitted ``TabularClassifier`` or ``TabularRegressor`` puts in mlp's model file
(one ``.npz`` of arrays and a JSON header, never pickle: :mod:`mlp.io.model_file`):
its parameters, the fitted preprocessing as JSON, the standardisation of the targets,
and the inner estimator's own contents (:mod:`mlp.io.estimator_file`), whose arrays
are stored under the prefix ``model/``."""

import json

import numpy

from mlp.io.estimator_file import estimator_contents, load_estimator
from mlp.io.model_file import ModelFileError, write_model
from mlp.sklearn.classifier import MLPClassifier
from mlp.sklearn.regressor import MLPRegressor
from mlp.tabular.preprocessing import TabularPreprocessor

__all__ = ["TABULAR_KINDS", "save_tabular", "load_tabular"]

TABULAR_KINDS = ("TabularClassifier", "TabularRegressor")
_PREFIX = "model/"
_TARGET_ARRAYS = ("target_mean_", "target_scale_")


def _parameters(estimator):
    parameters = estimator.get_params(deep=False)
    if not isinstance(parameters["random_state"], (int, type(None))):
        parameters["random_state"] = None  # a RandomState is not kept; the weights are
    parameters["hidden_layer_sizes"] = numpy.atleast_1d(parameters["hidden_layer_sizes"]).tolist()
    return parameters


def _check_json(columns):
    for column in columns:
        try:
            json.dumps(column, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise TypeError(
                f"Cannot save column {column['name']!r}: its name or categories are not numbers, "
                f"booleans or strings ({error}).") from error


def save_tabular(estimator, path):
    """Save a fitted ``TabularClassifier`` or ``TabularRegressor`` to ``path``.

    Parameters
    ----------
    estimator : TabularClassifier or TabularRegressor
        Fitted.
    path : str or pathlib.Path
        The ``.npz`` file to write, atomically.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        When ``estimator`` has not been fitted.
    TypeError
        When a column name or category is not a number, boolean or string; the message
        names the column.
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    preprocessor = estimator.preprocessor_
    _check_json(preprocessor.columns_)
    model_header, model_arrays = estimator_contents(estimator.model_)
    names = getattr(estimator, "feature_names_in_", None)
    header = {
        "kind": type(estimator).__name__, "parameters": _parameters(estimator),
        "columns": preprocessor.columns_, "n_features_out": preprocessor.n_features_out_,
        "feature_names_in": None if names is None else names.tolist(),
        "n_iter_": int(estimator.n_iter_), "model": model_header,
    }
    arrays = {_PREFIX + name: array for name, array in model_arrays.items()}
    for name in _TARGET_ARRAYS:
        if hasattr(estimator, name):
            arrays[name] = getattr(estimator, name)
    write_model(path, header, arrays)


def load_tabular(estimator_class, path, header, arrays):
    """The ``TabularClassifier`` or ``TabularRegressor`` that a file written by
    :func:`save_tabular` describes, ready to predict.

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
    TabularClassifier or TabularRegressor

    Raises
    ------
    mlp.io.model_file.ModelFileError
        When the file does not describe a valid fitted estimator.
    """
    kind = header.get("kind")
    try:
        parameters = dict(header["parameters"])
        parameters["hidden_layer_sizes"] = tuple(parameters["hidden_layer_sizes"])
        estimator = estimator_class(**parameters)
        columns = list(header["columns"])
        model_header = header["model"]
    except (TypeError, ValueError, KeyError) as error:
        raise ModelFileError(f"{path} has an invalid {kind} header: {error}") from error
    inner_class = MLPClassifier if kind == "TabularClassifier" else MLPRegressor
    model_arrays = {name[len(_PREFIX):]: array for name, array in arrays.items()
                    if name.startswith(_PREFIX)}
    model = load_estimator(inner_class, path, model_header, model_arrays)
    preprocessor = TabularPreprocessor(max_categories=estimator.max_categories)
    preprocessor.columns_ = columns
    preprocessor.n_features_in_ = len(columns)
    preprocessor.n_features_out_ = header.get("n_features_out")
    if preprocessor.n_features_out_ != model.n_features_in_:
        raise ModelFileError(f"{path}: the preprocessing gives {preprocessor.n_features_out_} "
                             f"columns but the network takes {model.n_features_in_}")
    names = header.get("feature_names_in")
    if names is not None:
        preprocessor.feature_names_in_ = estimator.feature_names_in_ = numpy.asarray(names, dtype=object)
    estimator.preprocessor_, estimator.model_ = preprocessor, model
    estimator.n_features_in_ = len(columns)
    estimator.n_iter_ = header.get("n_iter_")
    if kind == "TabularClassifier":
        estimator.classes_ = model.classes_
    else:
        for name in _TARGET_ARRAYS:
            if name not in arrays:
                raise ModelFileError(f"{path} has no array `{name}`")
            setattr(estimator, name, arrays[name])
    return estimator
