"""Update rules: each returns a list of ``(shared variable, new value)`` pairs.

The caller (``backend.py``) compiles them; nothing here compiles.
"""

__all__ = ["momentum"]


def momentum(parameters, gradients, velocities, learning_rate, momentum):
    """The seed's momentum rule.

    ``rate = learning_rate * gradient + momentum * velocity``; ``parameter -= rate``;
    ``velocity = rate``.

    Parameters
    ----------
    parameters, velocities : list of shared variables
        The parameters and their previous rates (same shapes), in the same order.
    gradients : list of symbolic tensors
        The cost's gradient with respect to each parameter.
    learning_rate, momentum : symbolic or numeric scalars
        The seed's ``alpha`` and ``momentum``.

    Returns
    -------
    list of (shared variable, symbolic expression)
    """
    updates = []
    for parameter, gradient, velocity in zip(parameters, gradients, velocities):
        rate = learning_rate * gradient + momentum * velocity
        updates.append((parameter, parameter - rate))
        updates.append((velocity, rate))
    return updates
