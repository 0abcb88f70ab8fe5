"""Small pieces shared by the scikit-learn front ends (``MLPClassifier``,
``MLPRegressor``): input conversion, error naming, verbose lines, seeds."""

import contextlib
import math
import numbers
import re

import numpy
from scipy import sparse
from sklearn.utils import check_random_state

from mlp.training import rollback
from mlp.validation import check_range

try:
    from sklearn.utils.validation import validate_data
except ImportError:  # scikit-learn < 1.6 validates through a private method

    def validate_data(estimator, *arguments, **keywords):
        return estimator._validate_data(*arguments, **keywords)


try:
    from sklearn.callback import CallbackSupportMixin, with_callbacks
except ImportError:  # scikit-learn < 1.9 has no callback API: fit runs without one

    class CallbackSupportMixin:
        """Stands in for scikit-learn 1.9's mixin on an older scikit-learn."""

    def with_callbacks(method):
        return method


__all__ = ["ACTIVATIONS", "STOCHASTIC_SOLVERS", "CallbackSupportMixin", "dense", "naming",
           "print_iteration", "seeds", "unchanged_on_error", "validate_data",
           "with_callbacks"]

# scikit-learn's activation names -> the network's; the last four are ours.
ACTIVATIONS = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu",
               "leaky_relu": "leaky_relu", "elu": "elu", "gelu": "gelu", "silu": "silu"}
STOCHASTIC_SOLVERS = ("sgd", "adam")
# Upper bound of the integer seeds drawn for the networks (their generators take any
# non-negative int; this keeps them valid for numpy.random.RandomState too).
_MAX_SEED = 2**31 - 1


def dense(X, dtype, name="X"):
    """``X`` as a C-contiguous dense array of ``dtype`` (sparse input is densified).

    A value beyond ``dtype``'s range (1e39 for a float32 network) is refused, naming
    it, rather than converted to an infinity."""
    if sparse.issparse(X):
        X = X.toarray()
    check_range(name, X, dtype)
    return numpy.ascontiguousarray(X, dtype=dtype)


def naming(name, function, *arguments, **keywords):
    """Call ``function``; a ValueError or TypeError it raises whose message does not
    name ``name`` (scikit-learn's "Found array with 0 sample(s)...", say) is raised
    with the name in front, unchanged otherwise."""
    try:
        return function(*arguments, **keywords)
    except (ValueError, TypeError) as error:
        if len(error.args) == 1 and not re.search(rf"(?<![A-Za-z0-9_]){name}(?![A-Za-z0-9_])", str(error)):
            error.args = (f"Invalid `{name}`: {error.args[0]}",)
        raise


def print_iteration(epoch, logs):
    """scikit-learn's verbose lines for one epoch of ``"sgd"`` or ``"adam"``."""
    print(f"Iteration {epoch}, loss = {logs['total_loss']:.8f}")
    if "validation_score" in logs:
        print(f"Validation score: {logs['validation_score']:f}")


def seeds(random_state, n_init):
    """One integer seed per initialisation (consecutive for an integer random_state)."""
    if isinstance(random_state, numbers.Integral):
        base = int(random_state)
    else:
        base = int(check_random_state(random_state).randint(0, _MAX_SEED - n_init))
    return [base + i for i in range(n_init)]


def kept_score(scores, history):
    """Validation score of the weights training kept (the best epoch's)."""
    if not scores:
        return -math.inf
    epoch = history.best_epoch if history.restored_best and history.best_epoch else len(scores)
    return scores[epoch - 1]


@contextlib.contextmanager
def unchanged_on_error(estimator):
    """A refused (or failed) fit leaves ``estimator`` as it was: its attributes, and the
    weights, optimiser state, dropout key and random generator of a network that a
    warm start or partial_fit would have continued (the network's part is the rule of
    both front ends, :func:`mlp.training.rollback.unchanged_on_error`; here it covers
    a DivergenceError too, and whatever fails after training, as a warning turned
    into an error)."""
    state = dict(estimator.__dict__)
    network = state.get("_network")
    kept_network = (contextlib.nullcontext() if network is None
                    else rollback.unchanged_on_error(network.backend, network.generator))
    try:
        with kept_network:
            yield
    except BaseException:
        # The callback context lives only for the call (scikit-learn removes it).
        kept = {name: estimator.__dict__[name]
                for name in ("_callback_fit_ctx", "_skl_callbacks_to_teardown")
                if name in estimator.__dict__}
        estimator.__dict__.clear()
        estimator.__dict__.update(state)
        estimator.__dict__.update(kept)
        raise
