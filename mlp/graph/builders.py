"""The only place that builds graphs: forward pass, cost, training step, L-BFGS objective.

Every graph starts at symbolic placeholders (:class:`Placeholders`), never at a
network's live values, so one compiled program serves every network whose layers have
the same kinds (shapes stay symbolic). The cost is always built from the forward pass
of the input matrix: the seed built it from a prediction passed in from outside the
graph, so the gradient saw only the L2 term; :func:`verify_cost_reaches` refuses any
cost whose data term a parameter does not reach.
"""

from mlp import engine
from mlp.graph import objectives, updates

__all__ = ["Placeholders", "HYPER_NAMES", "verify_cost_reaches", "forward_graph", "step_graph",
           "penalty_graph", "objective_graph", "state_names"]

# The scalar inputs of a training step, in the order the compiled calls take them.
HYPER_NAMES = ("reg_lambda", "learning_rate", "momentum", "beta_1", "beta_2", "epsilon")


class Placeholders:
    """The symbolic inputs of a network's graphs.

    Parameters
    ----------
    depth : int
        Layers with weights (every layer but the input).
    dtype : str
        Floating-point type of every input but the row indices.

    Attributes
    ----------
    weights, bias : lists of symbolic matrices and vectors
        One per layer with weights, in the seed's order.
    inputs, targets, row_weights : symbolic matrix, matrix, vector
        The training (or predicted) rows, their one-hot targets and their weights.
    indices : symbolic int32 vector
        The rows of a minibatch.
    hyper : dict of symbolic scalars
        The step's scalars, named as :data:`HYPER_NAMES`.
    masks : list of symbolic matrices
        One dropout mask ``(rows, units)`` per hidden layer: the scale of each output
        (0 for a dropped unit, ``1 / (1 - rate)`` for a kept one), drawn by the caller.
    clip_norm : symbolic scalar
        The largest global L2 norm of a step's gradient.
    """

    def __init__(self, depth, dtype):
        tensor = engine.tensor
        self.dtype = dtype
        self.weights = [tensor.matrix(f"weights[{i}]", dtype=dtype) for i in range(depth)]
        self.bias = [tensor.vector(f"bias[{i}]", dtype=dtype) for i in range(depth)]
        self.inputs = tensor.matrix("inputs", dtype=dtype)
        self.targets = tensor.matrix("targets", dtype=dtype)
        self.row_weights = tensor.vector("row_weights", dtype=dtype)
        self.indices = tensor.vector("indices", dtype="int32")
        self.hyper = {name: tensor.scalar(name, dtype=dtype) for name in HYPER_NAMES}
        self.masks = [tensor.matrix(f"masks[{i}]", dtype=dtype) for i in range(depth - 1)]
        self.clip_norm = tensor.scalar("clip_norm", dtype=dtype)

    @property
    def parameters(self):
        """The weights, then the biases (the seed's order)."""
        return self.weights + self.bias

    @property
    def data(self):
        """The training data inputs, in the order the compiled calls take them."""
        return [self.inputs, self.targets, self.row_weights]


def verify_cost_reaches(data_cost, parameters):
    """Refuse a cost whose data term does not depend on every parameter.

    Parameters
    ----------
    data_cost : symbolic scalar
        The data term of the cost (the cross-entropy, without the L2 penalty).
    parameters : list of symbolic variables
        Every weight and bias the training step updates.

    Raises
    ------
    ValueError
        Naming the first parameter the data term does not reach: its gradient would
        come from the L2 penalty alone, the weights would decay to zero and the loss
        would sit at chance level (the seed's bug).
    """
    reached = set(engine.ancestors([data_cost]))
    for parameter in parameters:
        if parameter not in reached:
            raise ValueError(
                f"The data term of the cost does not depend on the parameter "
                f"`{parameter.name}`: its gradient would come from the L2 penalty "
                f"alone and training would only shrink it. Build the cost from the "
                f"forward pass of the input matrix, not from a prediction passed in "
                f"from outside the graph."
            )


def _forward(layers, weights, bias, inputs, masks=None):
    """The forward pass: the logits (before the output activation) and the output.

    ``masks``, when given, holds for each hidden layer a dropout mask ``(rows,
    units)`` that multiplies its output, or None for a layer without dropout.

    Hidden values are computed as ``(rows, units)`` matrices in float32, but as
    ``(units, rows)`` in float64: a weight gradient then multiplies two matrices whose
    rows are the units instead of summing over the rows of the batch, which XLA does
    at a fraction of its speed in float64; in float32 the row-major layout is the
    faster one (docs/design.md, "Choices inside the graph"). The logits are rows again.
    """
    tensor = engine.tensor
    masks = masks or [None] * (len(layers) - 2)
    hidden = layers[0].forwardPass(inputs)
    if inputs.dtype != "float64" or len(layers) < 3:
        for layer, layer_weights, layer_bias, mask in zip(layers[1:-1], weights, bias, masks):
            hidden = layer.forwardPass(tensor.dot(hidden, layer_weights.T) + layer_bias)
            hidden = hidden if mask is None else hidden * mask
        logits = tensor.dot(hidden, weights[-1].T) + bias[-1]
        return logits, layers[-1].forwardPass(logits)
    hidden = hidden.T
    for layer, layer_weights, layer_bias, mask in zip(layers[1:-1], weights, bias, masks):
        hidden = layer.forwardPass(tensor.dot(layer_weights, hidden) + layer_bias.dimshuffle(0, "x"))
        hidden = hidden if mask is None else hidden * mask.T
    logits = (tensor.dot(weights[-1], hidden) + bias[-1].dimshuffle(0, "x")).T
    return logits, layers[-1].forwardPass(logits)


def _costs(layers, placeholders, regularize_bias, inputs, targets, row_weights, masks=None):
    """Data term and full cost of the given rows, from ONE graph that starts at ``inputs``."""
    logits, _ = _forward(layers, placeholders.weights, placeholders.bias, inputs, masks)
    data_cost = objectives.OBJECTIVES[layers[-1].activation](logits, targets, row_weights)
    verify_cost_reaches(data_cost, placeholders.parameters)
    regularized = placeholders.parameters if regularize_bias else placeholders.weights
    penalty = objectives.l2_penalty(regularized)
    return data_cost, data_cost + placeholders.hyper["reg_lambda"] * penalty


def forward_graph(layers, placeholders):
    """``(inputs, outputs)`` of the forward pass: ``[inputs, *weights, *bias] -> [output]``."""
    _, output = _forward(layers, placeholders.weights, placeholders.bias, placeholders.inputs)
    return [placeholders.inputs, *placeholders.parameters], [output]


def state_names(optimizer):
    """The optimiser state a step carries, per parameter (and Adam's step counter)."""
    if optimizer == "adam":
        return ("first_moments", "second_moments", "step")
    return ("velocities",)


def _state_placeholders(optimizer, placeholders):
    """Symbolic optimiser state: a dict for the update rule, and its flat ordered list."""
    parameters = placeholders.parameters
    state, flat = {}, []
    for name in state_names(optimizer):
        if name == "step":
            state[name] = engine.tensor.scalar("step", dtype=placeholders.dtype)
            flat.append(state[name])
        else:
            state[name] = [parameter.type(f"{name}[{parameter.name}]") for parameter in parameters]
            flat.extend(state[name])
    return state, flat


def step_graph(layers, placeholders, optimizer, regularize_bias, batched, dropout=(), clip=False,
               penalized=True):
    """One training step of ``optimizer`` as a pure graph.

    Inputs: the parameters, the optimiser state (see :func:`state_names`), the
    training data (inputs, targets, row weights), the row ``indices`` of the
    minibatch when ``batched`` (else every row is used), the scalars of
    :data:`HYPER_NAMES`, then a dropout mask ``(rows, units)`` for each hidden layer
    listed in ``dropout`` (indices among the hidden layers) and, when ``clip``, the
    ``clip_norm`` that the gradient's global L2 norm is clipped to before the
    update rule; without dropout or clipping the graph is exactly the plain one.
    Outputs: the new parameters and state, in the same order, then the data term
    measured before the update. The full cost adds ``reg_lambda`` times
    :func:`penalty_graph`; its gradient is in the updates, but its value is left to the
    caller, which computes it only when ``reg_lambda`` is not 0 (on the large float32
    task the penalty's sum over every weight was 5% of a step). Without ``penalized``
    the gradient is the data term's alone, as it is when ``reg_lambda`` is 0, and
    the update rule does not read the weights to scale them by ``reg_lambda``.

    Returns
    -------
    inputs, outputs : lists of symbolic variables
    carried : int
        How many leading inputs (and outputs) are parameters and state.
    """
    data = placeholders.data
    if batched:
        rows = placeholders.indices
        data = [data[0][rows], data[1][rows], data[2][rows]]
    masks = [None] * (len(layers) - 2)
    for index in dropout:
        masks[index] = placeholders.masks[index]
    data_cost, cost = _costs(layers, placeholders, regularize_bias, *data, masks=masks)
    parameters = placeholders.parameters
    gradients = engine.grad(cost if penalized else data_cost, parameters)
    if clip:
        gradients = updates.clip_by_global_norm(gradients, placeholders.clip_norm)
    state, flat_state = _state_placeholders(optimizer, placeholders)
    new_values = dict(updates.RULES[optimizer](parameters, gradients, state, placeholders.hyper))
    carried = parameters + flat_state
    # A carried value keeps its type from step to step, whatever the rule's arithmetic
    # promoted it to.
    outputs = [engine.tensor.cast(new_values[variable], variable.dtype) for variable in carried]
    inputs = carried + placeholders.data + ([placeholders.indices] if batched else [])
    inputs += [placeholders.hyper[name] for name in HYPER_NAMES]
    inputs += [placeholders.masks[index] for index in dropout]
    inputs += [placeholders.clip_norm] if clip else []
    return inputs, outputs + [data_cost], len(carried)


def penalty_graph(layers, placeholders, regularize_bias):
    """``(inputs, outputs)`` of the L2 penalty: ``[*weights, *bias] -> [penalty]``."""
    regularized = placeholders.parameters if regularize_bias else placeholders.weights
    return placeholders.parameters, [objectives.l2_penalty(regularized)]


def objective_graph(layers, placeholders, regularize_bias):
    """The cost and its gradient for L-BFGS, every training row at once.

    Inputs: the parameters, the training data, ``reg_lambda``. Outputs: the data term,
    the full cost, then the gradient of the cost for each parameter.
    """
    data_cost, cost = _costs(layers, placeholders, regularize_bias, *placeholders.data)
    gradients = engine.grad(cost, placeholders.parameters)
    inputs = placeholders.parameters + placeholders.data + [placeholders.hyper["reg_lambda"]]
    return inputs, [data_cost, cost, *gradients]
