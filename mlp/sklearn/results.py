"""What a fit of ``MLPClassifier`` or ``MLPRegressor`` leaves behind: the fitted
attributes copied from the trained network and its history, and scikit-learn's
verbose line when a stopping rule ends training."""

import math

from mlp.sklearn.parameters import STOCHASTIC_SOLVERS

__all__ = ["store_results", "print_stop", "kept_score"]


def kept_score(scores, history):
    """Validation score of the weights training kept (the best epoch's)."""
    if not scores:
        return -math.inf
    epoch = history.best_epoch if history.restored_best and history.best_epoch else len(scores)
    return scores[epoch - 1]


def print_stop(estimator, history):
    """scikit-learn's verbose line when the stopping rule ends training."""
    if history.stopped == "plateau":
        watched = "Training loss"
    elif history.stopped == "early_stopping":
        watched = "Validation score"
    else:
        return
    print(f"{watched} did not improve more than tol={estimator.tol:f} for "
          f"{estimator.n_iter_no_change:d} consecutive epochs. Stopping.")


def store_results(estimator, network, history, first_pass, incremental, n_training_rows, scorer):
    """Copy the trained weights and the history into the fitted attributes."""
    estimator.coefs_ = [weights.T.copy() for weights in network.weights]
    estimator.intercepts_ = [bias.copy() for bias in network.bias]
    estimator.n_layers_ = len(network.architecture)
    estimator.n_outputs_ = network.architecture[-1]
    if first_pass:
        estimator.loss_curve_ = []
        estimator.t_ = 0
    estimator.loss_curve_ = estimator.loss_curve_ + list(history.total_loss)
    estimator.n_iter_ = history.epochs
    estimator.loss_ = history.total_loss[-1] if history.total_loss else math.nan
    if estimator.solver in STOCHASTIC_SOLVERS:
        estimator.t_ += history.epochs * n_training_rows
    if scorer is not None and not incremental:
        # Warm starts append to the curves, as scikit-learn's validation_scores_.
        scores = scorer.scores(history)
        earlier = not first_pass and getattr(estimator, "validation_scores_", None) is not None
        estimator.validation_scores_ = (estimator.validation_scores_ if earlier else []) + scores
        estimator.validation_loss_curve_ = ((estimator.validation_loss_curve_ if earlier else [])
                                            + list(history.validation_loss))
        estimator.best_validation_score_ = kept_score(scores, history)
        estimator.best_loss_ = None
    else:
        estimator.validation_scores_ = None
        estimator.validation_loss_curve_ = None
        estimator.best_validation_score_ = None
        estimator.best_loss_ = min(estimator.loss_curve_) if estimator.loss_curve_ else math.nan
