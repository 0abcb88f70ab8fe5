"""Full-batch L-BFGS through SciPy: convergence is a plateau, not a stall; max_fun."""

import numpy

from tests.conftest import make_network


def test_lbfgs_that_converges_on_iris_is_not_a_stall(iris, recwarn):
    X_train, X_test, y_train, y_test = iris
    for seed in range(3):
        network = make_network([4, 8, 3], random_state=seed)
        history = network.train(X_train, y_train, optimizer="lbfgs")
        # SciPy converged above target_cost=0.01 (the L2 term keeps the fit from it):
        # one attempt, no restart, no warning.
        assert history.optimizer_result["status"] == 0, history.optimizer_result
        assert history.stopped == "plateau" and history.final_loss > 0.01
        assert len(history.attempts) == 1 and history.restarts == 0
        assert numpy.mean(network.classify(X_test) == y_test) >= 0.9
    assert [str(warning.message) for warning in recwarn] == []


def test_max_fun_limits_lbfgs_cost_evaluations(iris, quiet_train):
    X_train, _, y_train, _ = iris
    network = make_network([4, 8, 3], random_state=1)
    history = network.train(X_train, y_train, optimizer="lbfgs", epochs=200, max_fun=6)
    # No restart and no warning: a spent budget, as when the epochs run out.
    assert history.stopped == "max_fun" and history.restarts == 0
    assert 1 <= history.epochs <= 6
    result = history.optimizer_result
    assert result["status"] == 1 and result["nfev"] > 6 and result["nit"] == history.epochs
    unlimited = make_network([4, 8, 3], random_state=1)
    assert quiet_train(unlimited, X_train, y_train, optimizer="lbfgs", epochs=200).epochs > 6
    assert quiet_train(unlimited, X_train, y_train, epochs=5).optimizer_result is None
