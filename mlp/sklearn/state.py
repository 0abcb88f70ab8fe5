"""The estimators' state rule: a fit that raises leaves the estimator as it was."""

import contextlib

from mlp.training import rollback

__all__ = ["unchanged_on_error"]


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
