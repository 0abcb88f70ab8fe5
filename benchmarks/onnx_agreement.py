"""How closely onnxruntime reproduces mlp's models exported with ``mlp.to_onnx``.

Run ``python benchmarks/onnx_agreement.py`` (needs onnx and onnxruntime): the models of
``tests/test_onnx.py`` (one hidden layer of 16, lbfgs, 60 iterations, scaled float32
inputs, regression targets scaled to unit variance) on iris, digits, breast cancer
(binary), a multilabel set from digits, diabetes and linnerud (three targets). Prints a
Markdown table of the largest absolute difference from ``predict_proba`` (or the
regressor's ``predict``) over the whole data set and the share of identical labels.
"""

import warnings

import numpy
import onnxruntime
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris, load_linnerud
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

import mlp

SETTINGS = dict(hidden_layer_sizes=(16,), solver="lbfgs", max_iter=60, random_state=0)
DATASETS = [
    ("iris", load_iris, "classes"),
    ("digits", load_digits, "classes"),
    ("breast cancer (binary)", load_breast_cancer, "classes"),
    ("digits multilabel (odd, >= 5, prime)", load_digits, "labels"),
    ("diabetes", load_diabetes, "values"),
    ("linnerud (3 targets)", load_linnerud, "values"),
]


def run(proto, X):
    """The graph's outputs for ``X``, by name."""
    session = onnxruntime.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    return dict(zip(names, session.run(None, {"X": X})))


def agreement(loader, kind):
    """(rows, largest difference, share of identical labels or None) for one data set."""
    X, y = loader(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(numpy.float32)
    if kind == "labels":
        y = numpy.column_stack([y % 2 == 1, y >= 5, numpy.isin(y, [2, 3, 5, 7])]).astype(int)
    if kind == "values":
        y = (y - y.mean(axis=0)) / y.std(axis=0)
        model = mlp.MLPRegressor(**SETTINGS).fit(X, y)
        predicted = model.predict(X)
        variable = run(mlp.to_onnx(model, X[:1]), X)["variable"].reshape(predicted.shape)
        return len(X), numpy.abs(variable - predicted).max(), None
    model = mlp.MLPClassifier(**SETTINGS).fit(X, y)
    outputs = run(mlp.to_onnx(model, X[:1]), X)
    difference = numpy.abs(outputs["probabilities"] - model.predict_proba(X)).max()
    same = outputs["label"] == model.predict(X)
    return len(X), difference, (same.all(axis=1) if same.ndim == 2 else same).mean()


def main():
    print("| data set | output | rows | largest difference | same labels |")
    print("|---|---|---|---|---|")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, loader, kind in DATASETS:
            rows, difference, same = agreement(loader, kind)
            output = "`variable`" if same is None else "`probabilities`"
            labels = "-" if same is None else f"{same:.0%}"
            print(f"| {name} | {output} | {rows} | {difference:.1e} | {labels} |")


if __name__ == "__main__":
    main()
