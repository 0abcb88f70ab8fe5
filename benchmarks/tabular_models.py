"""The models ``python -m benchmarks.tabular`` compares, each built from a table's
columns: mlp's tabular estimators as they are; mlp's drop-ins and scikit-learn's MLP
behind the usual pipeline (SimpleImputer + StandardScaler + OneHotEncoder); and
HistGradientBoosting with native categoricals (categories ordinal-encoded in front).
pytabkit's RealMLP-TD runs in a child process (:mod:`benchmarks.tabular_pytabkit`)."""

import numpy
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.neural_network import MLPRegressor as SklearnMLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

import mlp

__all__ = ["MODELS", "build_model"]

MODELS = ("mlp.Tabular", "mlp.MLP+pipeline", "sklearn.MLP+pipeline", "HistGradientBoosting",
          "RealMLP-TD")


def _numeric():
    return make_column_selector(dtype_include=numpy.number)


def _categorical():
    return make_column_selector(dtype_exclude=numpy.number)


def _usual_pipeline(estimator):
    numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    categorical = make_pipeline(SimpleImputer(strategy="most_frequent"),
                                OneHotEncoder(handle_unknown="ignore", sparse_output=False))
    columns = ColumnTransformer([("numeric", numeric, _numeric()),
                                 ("categorical", categorical, _categorical())])
    return make_pipeline(columns, estimator)


def _boosting(task, seed):
    encoder = ColumnTransformer(
        [("categorical", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1,
                                        encoded_missing_value=-2), _categorical())],
        remainder="passthrough", verbose_feature_names_out=False)
    encoder.set_output(transform="pandas")
    kind = HistGradientBoostingClassifier if task == "classification" else HistGradientBoostingRegressor
    # "from_dtype" sees no category dtype after the encoder: name the encoded columns.
    return _BoostingWithCategories(encoder, kind(random_state=seed))


class _BoostingWithCategories:
    """The ordinal encoder, then HistGradientBoosting told which columns it encoded."""

    def __init__(self, encoder, model):
        self.encoder, self.model = encoder, model

    def fit(self, X, y):
        self.n_categorical = len(_categorical()(X))
        encoded = self._encoded(X, fit=True)
        mask = [index < self.n_categorical for index in range(encoded.shape[1])]
        self.model.set_params(categorical_features=mask if any(mask) else None)
        self.model.fit(encoded, y)
        return self

    def _encoded(self, X, fit=False):
        encoded = self.encoder.fit_transform(X) if fit else self.encoder.transform(X)
        # Codes -1 / -2 (unknown, missing) become NaN, which boosting handles natively.
        for column in encoded.columns[:self.n_categorical]:
            encoded[column] = encoded[column].where(encoded[column] >= 0)
        return encoded

    def predict(self, X):
        return self.model.predict(self._encoded(X))


def build_model(name, task, seed):
    """A fresh model ``name`` for a ``task`` (``"classification"`` or ``"regression"``)."""
    classification = task == "classification"
    if name == "mlp.Tabular":
        kind = mlp.TabularClassifier if classification else mlp.TabularRegressor
        return kind(random_state=seed)
    if name == "mlp.MLP+pipeline":
        kind = mlp.MLPClassifier if classification else mlp.MLPRegressor
        return _usual_pipeline(kind(random_state=seed))
    if name == "sklearn.MLP+pipeline":
        kind = SklearnMLPClassifier if classification else SklearnMLPRegressor
        return _usual_pipeline(kind(random_state=seed))
    if name == "HistGradientBoosting":
        return _boosting(task, seed)
    raise ValueError(f"Unknown model {name!r}; expected one of {MODELS[:-1]}")
