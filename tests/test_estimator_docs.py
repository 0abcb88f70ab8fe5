"""The estimators' shared documentation (mlp.sklearn.docstrings): each class's docstring
describes every parameter of its constructor, once, in the constructor's order."""

import inspect
import re

import pytest

pytest.importorskip("sklearn")
from mlp import MLPClassifier, MLPRegressor  # noqa: E402


def documented(cls, section):
    text = cls.__doc__.split(f"    {section}\n    {'-' * len(section)}\n")[1].split("\n\n")[0]
    names = []
    for line in re.findall(r"^    (\S[^:\n]*?)(?: :|$)", text, flags=re.MULTILINE):
        names.extend(name.strip() for name in line.split(","))
    return names


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_every_constructor_parameter_is_documented_once_in_order(cls):
    parameters = list(inspect.signature(cls).parameters)
    assert documented(cls, "Parameters") == parameters


def test_both_estimators_share_the_text_of_a_shared_parameter():
    def entry(cls, name):
        return re.search(rf"^    {name} :.*?(?=^    \S)", cls.__doc__, flags=re.MULTILINE | re.DOTALL)[0]

    for name in ("hidden_layer_sizes", "tol", "dtype", "n_init"):
        assert entry(MLPClassifier, name) == entry(MLPRegressor, name)
    assert entry(MLPClassifier, "scoring") != entry(MLPRegressor, "scoring")
    assert "class_weight :" not in MLPRegressor.__doc__


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_every_fitted_attribute_is_documented(cls):
    attributes = documented(cls, "Attributes")
    for name in ("coefs_", "intercepts_", "n_iter_", "t_", "loss_curve_", "best_loss_",
                 "validation_scores_", "best_validation_score_", "n_layers_", "n_outputs_"):
        assert name in attributes
    assert len(attributes) == len(set(attributes))
