"""The options of FeedForwardNetwork.train (mlp.training.settings): documented once, checked
into one TrainingSettings."""

import inspect

import pytest

from mlp.training.loop import TrainingSettings
from mlp.training.settings import training_settings
from tests.conftest import make_network


def test_train_documents_every_option():
    from mlp import FeedForwardNetwork

    text = FeedForwardNetwork.train.__doc__
    for name in list(inspect.signature(FeedForwardNetwork.train).parameters)[1:]:
        assert f"\n        {name} :" in text or f" {name}," in text or f", {name} :" in text, name


def test_settings_fill_the_seeds_defaults_for_a_full_batch():
    network = make_network([2, 3, 2], random_state=0)
    settings = training_settings(network, n_samples=4, has_validation=False)
    assert isinstance(settings, TrainingSettings)
    defaults = (settings.alpha, settings.patience, settings.restarts, settings.target_cost)
    assert defaults == (0.5, 500, 20, 0.01)
    minibatches = training_settings(network, n_samples=400, has_validation=False, batch_size=32,
                                    optimizer="adam")
    assert (minibatches.alpha, minibatches.patience, minibatches.restarts) == (0.001, 10, 0)


def test_a_bad_option_is_named():
    network = make_network([2, 3, 2], random_state=0)
    with pytest.raises(ValueError, match=r"Received: momentum=1"):
        training_settings(network, n_samples=4, has_validation=False, momentum=1)
