"""Full-batch L-BFGS: SciPy's ``minimize`` driving the backend's compiled objective.

Each SciPy iteration is one epoch of the record; the target and early-stopping rules
end the attempt from SciPy's callback, and SciPy's own convergence is a plateau.
"""

import math
import time

import numpy

from mlp.training.history import History, record_epoch
from mlp.training.stopping import Monitor

__all__ = ["run_attempt"]


def run_attempt(backend, data, settings, interrupt, attempt_number, generator, progress):
    """Train from the current weights with full-batch L-BFGS (scipy.optimize).

    Returns ``(record, monitor, stopped)``, as
    :func:`mlp.training.gradient_descent.run_attempt`.
    """
    # Loaded on first use: scipy.optimize takes most of a second to import, and
    # ``import mlp`` does not need it.
    from scipy.optimize import minimize

    record, monitor = History(), Monitor(backend, settings, data.has_validation)
    last = {}
    state = {"stopped": "epochs", "epoch": 0, "started": time.perf_counter()}

    def cost_and_gradient(flat):
        data_cost, cost, gradient = backend.objective(flat, settings.reg_lambda)
        if not math.isfinite(cost):
            # Let the line search back off; a finite point is always kept.
            return math.inf, numpy.zeros_like(flat)
        last.update(flat=flat.copy(), data_cost=data_cost, cost=cost)
        return cost, numpy.asarray(gradient, dtype=numpy.float64)

    def callback(intermediate_result):
        flat = intermediate_result.x
        if not numpy.array_equal(flat, last.get("flat")):
            cost_and_gradient(flat)
        backend.set_flat_parameters(flat)
        state["epoch"] += 1
        reason = record_epoch(record, monitor, backend, data, state["epoch"], last["data_cost"],
                              last["cost"], time.perf_counter() - state["started"], progress)
        state["started"] = time.perf_counter()
        if interrupt.raised:
            state["stopped"] = "interrupted"
            raise StopIteration
        if reason in ("target", "early_stopping"):
            state["stopped"] = reason
            raise StopIteration

    max_fun = settings.max_fun if settings.max_fun is not None else max(15000, 2 * settings.epochs)
    if settings.epochs > 0:
        result = minimize(
            cost_and_gradient, backend.flat_parameters().astype(numpy.float64), jac=True,
            method="L-BFGS-B", callback=callback,
            options={"maxiter": settings.epochs, "maxfun": max_fun,
                     "ftol": settings.tol * 1e-3, "gtol": 1e-10},
        )
        backend.set_flat_parameters(result.x)
        record.optimizer_result = {"status": int(result.status), "message": result.message,
                                   "nit": int(result.nit), "nfev": int(result.nfev)}
        if state["stopped"] == "epochs" and result.nit < settings.epochs:
            # SciPy checks the evaluation count only between iterations, so the
            # iterations never outnumber max_fun.
            state["stopped"] = "max_fun" if result.nfev > max_fun else "plateau"
    return record, monitor, state["stopped"]
