"""Update rules: each returns a list of ``(shared variable, new value)`` pairs.

The caller (``backend.py``) compiles them; nothing here compiles. Every rule takes
the same arguments so that the backend can build any of them the same way:
``parameters`` and their ``gradients``, the optimiser's ``state`` (shared variables
the backend owns) and the symbolic ``hyper`` parameters (learning rate, momentum,
Adam's betas and epsilon).
"""

from mlp import engine
from mlp.graph import objectives

__all__ = ["momentum", "nesterov", "adam", "RULES", "clip_by_global_norm"]


def clip_by_global_norm(gradients, clip_norm):
    """Scale every gradient by one factor so that their global L2 norm is at most ``clip_norm``.

    ``norm = sqrt(sum of every gradient's squared entries)``; each gradient is
    multiplied by ``min(1, clip_norm / norm)``, so a step keeps its direction and a
    gradient already inside the ball is unchanged (TensorFlow's
    ``clip_by_global_norm``, PyTorch's ``clip_grad_norm_``).

    Parameters
    ----------
    gradients : list of symbolic tensors
    clip_norm : symbolic scalar
        The largest global norm, positive.

    Returns
    -------
    list of symbolic tensors
        The clipped gradients, in the same order.
    """
    # The sum of squares is the L2 penalty's, summed in the gradients' own type.
    norm = objectives.l2_penalty(gradients) ** 0.5
    # clip_norm / max(norm, clip_norm) is min(1, clip_norm / norm) without dividing by
    # a zero norm; an infinite or NaN norm gives NaN, which the divergence guard sees.
    scale = clip_norm / engine.tensor.maximum(norm, clip_norm)
    return [gradient * scale for gradient in gradients]


def momentum(parameters, gradients, state, hyper):
    """The seed's momentum rule.

    ``rate = learning_rate * gradient + momentum * velocity``; ``parameter -= rate``;
    ``velocity = rate``.

    Parameters
    ----------
    parameters : list of shared variables
    gradients : list of symbolic tensors
        The cost's gradient with respect to each parameter.
    state : dict
        ``state["velocities"]``: one shared variable per parameter (the seed's
        ``prev_rate``), same shapes, same order.
    hyper : dict
        Symbolic scalars ``learning_rate`` and ``momentum``.

    Returns
    -------
    list of (shared variable, symbolic expression)
    """
    updates = []
    for parameter, gradient, velocity in zip(parameters, gradients, state["velocities"]):
        rate = hyper["learning_rate"] * gradient + hyper["momentum"] * velocity
        updates.append((parameter, parameter - rate))
        updates.append((velocity, rate))
    return updates


def nesterov(parameters, gradients, state, hyper):
    """Nesterov's accelerated momentum, in the seed's sign convention.

    ``rate = learning_rate * gradient + momentum * velocity``;
    ``parameter -= momentum * rate + learning_rate * gradient``; ``velocity = rate``
    (the step looks ahead along the new velocity, as scikit-learn's SGD does).

    Parameters and return value are those of :func:`momentum`.
    """
    updates = []
    for parameter, gradient, velocity in zip(parameters, gradients, state["velocities"]):
        rate = hyper["learning_rate"] * gradient + hyper["momentum"] * velocity
        step = hyper["momentum"] * rate + hyper["learning_rate"] * gradient
        updates.append((parameter, parameter - step))
        updates.append((velocity, rate))
    return updates


def adam(parameters, gradients, state, hyper):
    """Adam (Kingma and Ba, 2015) with bias-corrected moment estimates.

    Parameters
    ----------
    parameters, gradients :
        As in :func:`momentum`.
    state : dict
        ``first_moments`` and ``second_moments`` (one shared variable per parameter)
        and ``step`` (a shared scalar counting the updates made).
    hyper : dict
        Symbolic scalars ``learning_rate``, ``beta_1``, ``beta_2`` and ``epsilon``.

    Returns
    -------
    list of (shared variable, symbolic expression)
    """
    beta_1, beta_2 = hyper["beta_1"], hyper["beta_2"]
    step = state["step"] + 1
    corrected_rate = hyper["learning_rate"] * (1 - beta_2**step) ** 0.5 / (1 - beta_1**step)
    updates = [(state["step"], step)]
    moments = zip(parameters, gradients, state["first_moments"], state["second_moments"])
    for parameter, gradient, first, second in moments:
        new_first = beta_1 * first + (1 - beta_1) * gradient
        new_second = beta_2 * second + (1 - beta_2) * gradient**2
        updates.append((first, new_first))
        updates.append((second, new_second))
        updates.append(
            (parameter, parameter - corrected_rate * new_first / (new_second**0.5 + hyper["epsilon"]))
        )
    return updates


RULES = {"momentum": momentum, "nesterov": nesterov, "adam": adam}
