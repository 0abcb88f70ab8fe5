"""The state rule of both front ends: a training call that raises leaves the network as
it was.

``FeedForwardNetwork.train`` and the estimators' ``fit`` / ``partial_fit`` run inside
:func:`unchanged_on_error`: whatever raises (a refused argument, a callback or scorer
that fails, a MemoryError, an error between two compiled calls, a KeyboardInterrupt
that escapes the loop) puts back the weights, the optimiser state, the dropout key and
the random generator. What stops training without raising is not an error: Ctrl-C
read as a flag returns the history with the weights of the last finished call.
"""

import contextlib

__all__ = ["unchanged_on_error"]


@contextlib.contextmanager
def unchanged_on_error(backend, generator, unless=()):
    """Put ``backend``'s values and ``generator``'s state back when the block raises.

    Parameters
    ----------
    backend : NetworkBackend
        Its parameters, optimiser state and dropout key (:meth:`get_values`: snapshots
        that cost nothing, as compiled calls return new arrays) are restored.
    generator : numpy.random.Generator or None
        Its state is restored.
    unless : exception type or tuple of them
        Exceptions whose own rule says what the network holds afterwards, left as they
        are: ``FeedForwardNetwork.train`` documents that a ``DivergenceError`` keeps
        the last finite weights.
    """
    values = backend.get_values()
    generator_state = None if generator is None else generator.bit_generator.state
    try:
        yield
    except unless:
        raise
    except BaseException:
        backend.set_values(values)
        if generator is not None:
            generator.bit_generator.state = generator_state
        raise
