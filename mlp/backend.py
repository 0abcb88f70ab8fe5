"""The only place that builds and compiles graphs.

``NetworkBackend`` owns the shared weights, biases and velocities of a network and
compiles, from ONE graph that starts at the input matrix, the forward pass
(``activate``) and the training step (``backprop``). The seed built its cost from a
prediction passed in from outside the graph, so the gradient saw only the L2 term;
here the cost is always built from the forward pass, and :func:`verify_cost_reaches`
refuses any cost whose data term a parameter does not reach.
"""

import numpy

from mlp import engine, objectives, updates
from mlp.init import initial_parameters

__all__ = ["ComputationBackend", "NetworkBackend", "verify_cost_reaches"]

# Compiled functions by graph signature, so that a second network of an architecture
# already built in this process copies them onto its own shared variables instead of
# compiling again: {signature: (template shared variables, activate, step)}.
_COMPILED = {}


class ComputationBackend:
    """The activations a layer applies, under the seed's names."""

    def __init__(self):
        self.sigmoid = engine.sigmoid
        self.softmax = engine.softmax
        self.tanh = engine.tanh
        self.relu = engine.relu


def verify_cost_reaches(data_cost, parameters):
    """Refuse a cost whose data term does not depend on every parameter.

    Parameters
    ----------
    data_cost : symbolic scalar
        The data term of the cost (the cross-entropy, without the L2 penalty).
    parameters : list of shared variables
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


class NetworkBackend:
    """Shared parameters and compiled functions of a feed-forward network.

    Parameters
    ----------
    network : FeedForwardNetwork
        Supplies ``architecture``, ``layers`` (an input layer first, a softmax layer
        last), ``init``, ``dtype`` and ``generator``.

    Attributes
    ----------
    weights : list of shared variables
        ``weights[i]`` of shape ``(architecture[i + 1], architecture[i])``.
    bias : list of shared variables
        ``bias[i]`` of shape ``(architecture[i + 1],)``.
    prev_rate : list of shared variables
        The momentum rule's previous rate for each weight, then each bias.
    """

    def __init__(self, network):
        self.architecture = list(network.architecture)
        self.layers = network.layers
        self.dtype = network.dtype
        self.init = network.init
        if self.layers[-1].activation != "softmax":
            raise ValueError(
                f"The last layer must be a SoftmaxLayer (the cost is a softmax "
                f"cross-entropy). Received: {self.layers[-1]}"
            )
        weights, biases = initial_parameters(
            self.architecture, self._activations(), self.init, network.generator, self.dtype
        )
        self.weights = [
            engine.shared(value, name=f"weights[{index}]") for index, value in enumerate(weights)
        ]
        self.bias = [
            engine.shared(value, name=f"bias[{index}]") for index, value in enumerate(biases)
        ]
        self.prev_rate = [
            engine.shared(numpy.zeros_like(parameter.get_value()), name=f"prev_rate[{parameter.name}]")
            for parameter in self.parameters
        ]
        self._compile()

    @property
    def parameters(self):
        """Every trained shared variable: the weights, then the biases (the seed's order)."""
        return self.weights + self.bias

    def _activations(self):
        return [layer.activation for layer in self.layers[1:]]

    def _signature(self):
        return (engine.name, self.dtype, tuple(self._activations()), tuple(self.architecture))

    def _build(self):
        """Build the graph: inputs -> forward pass -> cost -> momentum updates."""
        tensor = engine.tensor
        inputs = tensor.matrix("inputs", dtype=self.dtype)
        targets = tensor.matrix("targets", dtype=self.dtype)
        reg_lambda = tensor.scalar("reg_lambda", dtype=self.dtype)
        alpha = tensor.scalar("alpha", dtype=self.dtype)
        momentum = tensor.scalar("momentum", dtype=self.dtype)

        hidden = self.layers[0].forwardPass(inputs)
        for layer, weights, bias in zip(self.layers[1:-1], self.weights, self.bias):
            hidden = layer.forwardPass(tensor.dot(hidden, weights.T) + bias)
        logits = tensor.dot(hidden, self.weights[-1].T) + self.bias[-1]
        output = self.layers[-1].forwardPass(logits)

        data_cost = objectives.categorical_crossentropy(logits, targets)
        verify_cost_reaches(data_cost, self.parameters)
        cost = data_cost + reg_lambda * objectives.l2_penalty(self.parameters)
        gradients = engine.grad(cost, self.parameters)
        step_updates = updates.momentum(
            self.parameters, gradients, self.prev_rate, alpha, momentum
        )
        activate = engine.function([inputs], output, allow_input_downcast=True)
        step = engine.function(
            [inputs, targets, reg_lambda, alpha, momentum],
            [data_cost, cost],
            updates=step_updates,
            allow_input_downcast=True,
        )
        return activate, step

    def _compile(self):
        signature = self._signature()
        shared_variables = self.parameters + self.prev_rate
        if signature not in _COMPILED or not engine.copies_functions:
            self._activate, self._step = self._build()
            _COMPILED[signature] = (shared_variables, self._activate, self._step)
            return
        template_shared, activate, step = _COMPILED[signature]
        swap = dict(zip(template_shared, shared_variables))
        parameter_count = len(self.parameters)
        self._activate = activate.copy(
            swap=dict(list(swap.items())[:parameter_count])
        )
        self._step = step.copy(swap=swap)

    def activate(self, inputs):
        """Forward pass: the softmax output for the input matrix ``inputs``."""
        return self._activate(inputs)

    def train_step(self, inputs, targets, reg_lambda, alpha, momentum):
        """One momentum step on ``(inputs, targets)``.

        Returns
        -------
        data_cost, cost : float
            The cross-entropy and the full cost (with the L2 term), both measured
            at the parameters before the step.
        """
        data_cost, cost = self._step(inputs, targets, reg_lambda, alpha, momentum)
        return float(data_cost), float(cost)

    def backprop(self, inputs, targets, reg_lambda, alpha, momentum):
        """The seed's training step: one momentum update, returning the full cost.

        Parameters
        ----------
        inputs : ndarray (n_samples, architecture[0])
        targets : ndarray (n_samples, architecture[-1])
            One-hot rows, as in the seed.
        reg_lambda, alpha, momentum : float
            L2 weight, learning rate and momentum.

        Returns
        -------
        float
            The cross-entropy plus ``reg_lambda`` times the sum of squared parameters,
            at the parameters before the update.
        """
        return self.train_step(inputs, targets, reg_lambda, alpha, momentum)[1]

    def get_values(self):
        """Copies of every parameter and velocity, to restore with :meth:`set_values`."""
        return [variable.get_value() for variable in self.parameters + self.prev_rate]

    def set_values(self, values):
        """Set every parameter and velocity from a list made by :meth:`get_values`."""
        for variable, value in zip(self.parameters + self.prev_rate, values):
            variable.set_value(value)

    def reinitialize(self, generator):
        """Draw fresh weights and biases and zero the velocities; nothing recompiles."""
        weights, biases = initial_parameters(
            self.architecture, self._activations(), self.init, generator, self.dtype
        )
        for variable, value in zip(self.parameters, weights + biases):
            variable.set_value(value)
        for velocity in self.prev_rate:
            velocity.set_value(numpy.zeros_like(velocity.get_value()))
