"""What early stopping and ``validation_scores_`` measure on the validation set: the
estimators' ``scoring`` parameter (HistGradientBoosting's).

``None`` is scikit-learn's own measure (accuracy for the classifier, R^2 for the
regressor),
``"loss"`` the negated training loss (cross-entropy or half the squared
error, as HistGradientBoosting's ``"loss"``), and any scorer name or callable
``scorer(estimator, X, y)`` is scikit-learn's. Each becomes the training loop's
``validation_score`` hook: a function of the network's outputs on the validation rows,
higher is better, so the loop stops and restores the best weights on it.
"""

import copy

import numpy
from sklearn.metrics import check_scoring

from mlp.training.evaluation import evaluate

__all__ = ["ValidationScorer", "check_scoring_parameter"]


def check_scoring_parameter(estimator):
    """The scorer of ``estimator.scoring`` (None for ``None`` and ``"loss"``); an
    unknown name raises a ValueError naming ``scoring`` and the value."""
    scoring = estimator.scoring
    if scoring is None or scoring == "loss":
        return None
    try:
        return check_scoring(estimator, scoring=scoring)
    except ValueError as error:
        raise ValueError(
            f"Received an invalid value for `scoring`, expected None, 'loss', a scorer name "
            f"(sklearn.metrics.get_scorer_names()) or a callable scorer(estimator, X, y). "
            f"Received: scoring={scoring!r}"
        ) from error


class _Outputs:
    """Stands in for the network of an estimator copy that a scorer calls: it "predicts"
    the outputs the training loop has just computed for the validation rows."""

    def __init__(self, outputs, dtype):
        self.outputs = outputs
        self.dtype = dtype

    def predict(self, inputs):
        return self.outputs


class ValidationScorer:
    """The validation set of one fit and the ``validation_score`` hook measured on it.

    Parameters
    ----------
    estimator : BaseMultilayerPerceptron
        Being fitted: its ``scoring``, ``_output()`` and ``_decoded_targets``.
    validation : tuple (X_val, targets_val, weights_val)
        Dense rows in the network's dtype, the network's targets for them, and their
        sample weights (None: equal), which weight every score as scikit-learn does.
    """

    def __init__(self, estimator, validation):
        self.estimator = estimator
        self.validation_data = validation[:2]
        self.sample_weights = validation[2]
        self.scorer = check_scoring_parameter(estimator)
        self.output = estimator._output()
        targets = numpy.asarray(validation[1])
        if targets.ndim == 1 and self.output == "softmax":
            # Labels: the one-hot rows the loss compares probabilities with.
            targets = numpy.eye(len(estimator.classes_))[targets]
        self.targets = targets.reshape(len(targets), -1)
        if self.scorer is not None:
            self.y_val = estimator._decoded_targets(validation[1])
        self.hook = self._score

    def _score(self, outputs):
        """The score of ``outputs`` (the network's on ``X_val``), higher is better."""
        if self.scorer is None:
            loss, score = evaluate(outputs, self.targets, self.output, self.sample_weights)
            return -loss if self.estimator.scoring == "loss" else score
        proxy = copy.copy(self.estimator)
        proxy._network = _Outputs(outputs, outputs.dtype)
        # The rows are the validated array: no feature names to compare.
        proxy.__dict__.pop("feature_names_in_", None)
        try:
            if self.sample_weights is None:
                return self.scorer(proxy, self.validation_data[0], self.y_val)
            return self.scorer(proxy, self.validation_data[0], self.y_val,
                               sample_weight=self.sample_weights)
        except (ValueError, TypeError) as error:
            # A scorer for the other kind of task (accuracy of real values, say).
            raise type(error)(
                f"The validation score could not be computed with scoring="
                f"{self.estimator.scoring!r}: {error}"
            ) from error

    def scores(self, history):
        """``validation_scores_``: the hook's value after each epoch."""
        return list(history.validation_score)
