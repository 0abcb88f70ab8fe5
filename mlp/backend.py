"""The only place that builds and compiles graphs.

``NetworkBackend`` owns the shared weights, biases, optimiser state and training data
of a network and compiles, from ONE graph that starts at the input matrix, the
forward pass (``activate``), a training step per optimiser, and the cost and
gradient of the flattened parameters (for L-BFGS). The seed built its cost from a
prediction passed in from outside the graph, so the gradient saw only the L2 term;
here the cost is always built from the forward pass, and :func:`verify_cost_reaches`
refuses any cost whose data term a parameter does not reach.
"""

from functools import partial

import numpy

from mlp import engine, objectives, updates
from mlp.init import initial_parameters

__all__ = ["ComputationBackend", "NetworkBackend", "verify_cost_reaches", "OPTIMIZERS"]

OPTIMIZERS = ("momentum", "nesterov", "adam", "lbfgs")

# Compiled functions by graph signature and role, so that a second network of an
# architecture already built in this process copies them onto its own shared
# variables instead of compiling again: {key: (template shared variables, function)}.
_COMPILED = {}

# A network of at least this many weights, or a training step of at least this many
# multiply-adds (batch rows times weights), compiles for PyTensor's C backend linked
# to OpenBLAS, one compiled call per step. Smaller ones compile for Numba, many
# steps per call (a scan), where the per-call overhead would otherwise dominate;
# Numba's step slows down with the weights much faster than the C step. The
# README's "Backend and BLAS" has the measurements behind both crossovers.
LARGE_NETWORK_WEIGHTS = 40_000
LARGE_STEP_MULTIPLY_ADDS = 10_000_000


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


def _zeros_like(variable, name):
    return engine.shared(numpy.zeros_like(variable.get_value()), name=name)


class NetworkBackend:
    """Shared parameters and compiled functions of a feed-forward network.

    Parameters
    ----------
    network : FeedForwardNetwork
        Supplies ``architecture``, ``layers`` (an input layer first, a softmax layer
        last), ``init``, ``dtype`` and ``generator``.
    regularize_bias : bool, optional
        Whether the L2 term covers the biases too (the seed's cost does; scikit-learn's
        does not). Default: the network's ``regularize_bias``, else True.

    Attributes
    ----------
    weights : list of shared variables
        ``weights[i]`` of shape ``(architecture[i + 1], architecture[i])``.
    bias : list of shared variables
        ``bias[i]`` of shape ``(architecture[i + 1],)``.
    prev_rate : list of shared variables
        The momentum rule's previous rate for each weight, then each bias.
    """

    def __init__(self, network, regularize_bias=None):
        self.architecture = list(network.architecture)
        self.layers = network.layers
        self.dtype = network.dtype
        self.init = network.init
        if regularize_bias is None:
            regularize_bias = getattr(network, "regularize_bias", True)
        self.regularize_bias = bool(regularize_bias)
        self.output = self.layers[-1].activation
        if self.output not in objectives.OBJECTIVES:
            raise ValueError(
                f"The last layer must be a SoftmaxLayer (classes) or a SigmoidLayer "
                f"(independent labels): the cost is their cross-entropy. Received: {self.layers[-1]}"
            )
        weights, biases = initial_parameters(
            self.architecture, self._activations(), self.init, network.generator, self.dtype
        )
        self.weights = [engine.shared(value, name=f"weights[{i}]") for i, value in enumerate(weights)]
        self.bias = [engine.shared(value, name=f"bias[{i}]") for i, value in enumerate(biases)]
        self.prev_rate = [_zeros_like(p, f"prev_rate[{p.name}]") for p in self.parameters]
        self.first_moments = [_zeros_like(p, f"first_moment[{p.name}]") for p in self.parameters]
        self.second_moments = [_zeros_like(p, f"second_moment[{p.name}]") for p in self.parameters]
        self.adam_step = engine.shared(numpy.asarray(0, dtype=self.dtype), name="adam_step")
        # The training set lives in shared variables; a step takes row indices, so an
        # epoch does not copy the data from Python into the engine batch by batch.
        n_in, n_out = self.architecture[0], self.architecture[-1]
        self.data_inputs = engine.shared(numpy.zeros((0, n_in), self.dtype), name="data_inputs")
        self.data_targets = engine.shared(numpy.zeros((0, n_out), self.dtype), name="data_targets")
        self.data_weights = engine.shared(numpy.zeros(0, self.dtype), name="data_weights")
        self._steps = {}
        self._objectives = {}
        self._activate = self._compiled("activate", self._build_activate)

    # ----------------------------------------------------------------- state
    @property
    def parameters(self):
        """Every trained shared variable: the weights, then the biases (the seed's order)."""
        return self.weights + self.bias

    @property
    def state(self):
        """Optimiser state: the velocities, Adam's moments and its step counter."""
        return self.prev_rate + self.first_moments + self.second_moments + [self.adam_step]

    def _shared_variables(self):
        data = [self.data_inputs, self.data_targets, self.data_weights]
        return self.parameters + self.state + data

    def get_values(self):
        """Copies of every parameter and optimiser state, to restore with :meth:`set_values`."""
        return [variable.get_value() for variable in self.parameters + self.state]

    def set_values(self, values):
        """Set every parameter and optimiser state from a list made by :meth:`get_values`."""
        for variable, value in zip(self.parameters + self.state, values):
            variable.set_value(value)

    def reset_state(self):
        """Zero the optimiser state (velocities, moments, step counter)."""
        for variable in self.state:
            variable.set_value(numpy.zeros_like(variable.get_value()))

    def reinitialize(self, generator):
        """Draw fresh weights and biases and zero the optimiser state; nothing recompiles."""
        weights, biases = initial_parameters(
            self.architecture, self._activations(), self.init, generator, self.dtype
        )
        for variable, value in zip(self.parameters, weights + biases):
            variable.set_value(value)
        self.reset_state()

    def set_data(self, inputs, targets, sample_weights=None):
        """Hold the training set in shared variables; steps then take row indices.

        ``inputs`` and ``targets`` must already be arrays of the backend's dtype. One
        extra row of weight zero is appended at index ``n_samples``: batches padded
        with that index cost exactly what the unpadded batch costs, so minibatches of
        every length run in one compiled multi-step call.
        """
        n_samples = inputs.shape[0]
        if sample_weights is None:
            sample_weights = numpy.ones(n_samples, dtype=self.dtype)
        padded_inputs = numpy.zeros((n_samples + 1, inputs.shape[1]), dtype=self.dtype)
        padded_inputs[:n_samples] = inputs
        padded_targets = numpy.zeros((n_samples + 1, targets.shape[1]), dtype=self.dtype)
        padded_targets[:n_samples] = targets
        padded_weights = numpy.zeros(n_samples + 1, dtype=self.dtype)
        padded_weights[:n_samples] = sample_weights
        self.data_inputs.set_value(padded_inputs, borrow=True)
        self.data_targets.set_value(padded_targets, borrow=True)
        self.data_weights.set_value(padded_weights, borrow=True)

    def clear_data(self):
        """Release the training set held by the shared variables."""
        self.data_inputs.set_value(numpy.zeros((0, self.architecture[0]), self.dtype))
        self.data_targets.set_value(numpy.zeros((0, self.architecture[-1]), self.dtype))
        self.data_weights.set_value(numpy.zeros(0, self.dtype))

    def flat_parameters(self):
        """Every parameter, flattened and concatenated (the order of :attr:`parameters`)."""
        return numpy.concatenate([p.get_value().ravel() for p in self.parameters])

    def set_flat_parameters(self, flat):
        """Set every parameter from a vector made like :meth:`flat_parameters`."""
        start = 0
        for parameter in self.parameters:
            shape = parameter.get_value(borrow=True).shape
            size = int(numpy.prod(shape))
            parameter.set_value(numpy.asarray(flat[start:start + size], self.dtype).reshape(shape))
            start += size

    # ---------------------------------------------------------------- graphs
    def _activations(self):
        return [layer.activation for layer in self.layers[1:]]

    def _signature(self):
        # Shared variables have no static shapes, so one compiled step serves every
        # architecture of the same depth and activations.
        return (engine.name, self.dtype, tuple(self._activations()), self.regularize_bias)

    def _forward(self, inputs):
        """The forward pass: returns the logits (before the softmax) and the output."""
        tensor = engine.tensor
        hidden = self.layers[0].forwardPass(inputs)
        for layer, weights, bias in zip(self.layers[1:-1], self.weights, self.bias):
            hidden = layer.forwardPass(tensor.dot(hidden, weights.T) + bias)
        logits = tensor.dot(hidden, self.weights[-1].T) + self.bias[-1]
        return logits, self.layers[-1].forwardPass(logits)

    def _costs(self, indices, reg_lambda):
        """Data term and full cost of the training rows ``indices``, from ONE graph."""
        logits, _ = self._forward(self.data_inputs[indices])
        data_cost = objectives.OBJECTIVES[self.output](
            logits, self.data_targets[indices], self.data_weights[indices]
        )
        verify_cost_reaches(data_cost, self.parameters)
        regularized = self.parameters if self.regularize_bias else self.weights
        return data_cost, data_cost + reg_lambda * objectives.l2_penalty(regularized)

    def _scalar(self, name):
        return engine.tensor.scalar(name, dtype=self.dtype)

    def _hyper_scalars(self):
        """The update rules' symbolic inputs, in the order the compiled calls take them."""
        return {name: self._scalar(name)
                for name in ("learning_rate", "momentum", "beta_1", "beta_2", "epsilon")}

    def is_large(self, rows):
        """Whether a training step on ``rows`` rows compiles for the C backend.

        Parameters
        ----------
        rows : int
            Rows per step: the batch size, or every training row (full batch, L-BFGS).

        Returns
        -------
        bool
            True when the engine has a C backend linked to OpenBLAS and the network
            has at least ``LARGE_NETWORK_WEIGHTS`` weights or the step costs at least
            ``LARGE_STEP_MULTIPLY_ADDS`` (rows times weights) multiply-adds.
        """
        sizes = self.architecture
        weights = sum(n_in * n_out for n_in, n_out in zip(sizes, sizes[1:]))
        large = weights >= LARGE_NETWORK_WEIGHTS or rows * weights >= LARGE_STEP_MULTIPLY_ADDS
        return engine.large_graph_mode is not None and large

    def _build_activate(self, mode):
        inputs = engine.tensor.matrix("inputs", dtype=self.dtype)
        _, output = self._forward(inputs)
        return engine.function([inputs], output, allow_input_downcast=True, mode=mode)

    def _build_step(self, optimizer, mode):
        indices = engine.tensor.vector("indices", dtype="int64")
        reg_lambda = self._scalar("reg_lambda")
        hyper = self._hyper_scalars()
        data_cost, cost = self._costs(indices, reg_lambda)
        gradients = engine.grad(cost, self.parameters)
        state = {"velocities": self.prev_rate, "first_moments": self.first_moments,
                 "second_moments": self.second_moments, "step": self.adam_step}
        step_updates = updates.RULES[optimizer](self.parameters, gradients, state, hyper)
        arguments = [indices, reg_lambda] + list(hyper.values())
        return engine.function(arguments, [data_cost, cost], updates=step_updates, mode=mode,
                               allow_input_downcast=True, on_unused_input="ignore")

    def _optimizer_state(self, optimizer):
        """The state shared variables ``optimizer`` reads and updates, in a fixed order."""
        if optimizer == "adam":
            return self.first_moments + self.second_moments + [self.adam_step]
        return list(self.prev_rate)

    def _build_epoch(self, optimizer, mode):
        # Many steps in ONE compiled call: a scan over the rows of an index matrix,
        # carrying the parameters and optimiser state from step to step. It removes
        # the per-call overhead that dominates small networks.
        tensor = engine.tensor
        batches = tensor.matrix("batches", dtype="int64")
        reg_lambda = self._scalar("reg_lambda")
        hyper = self._hyper_scalars()
        indices = tensor.vector("indices", dtype="int64")
        data_cost, cost = self._costs(indices, reg_lambda)
        shared_state = self._optimizer_state(optimizer)
        carried_shared = self.parameters + shared_state
        parameter_count = len(self.parameters)

        def one_step(step_indices, *carried):
            replace = dict(zip(carried_shared, carried))
            replace[indices] = step_indices
            step_data_cost, step_cost = engine.clone_replace([data_cost, cost], replace=replace)
            parameters = list(carried[:parameter_count])
            gradients = engine.grad(step_cost, parameters)
            state = self._state_dict(optimizer, list(carried[parameter_count:]))
            new_values = dict(updates.RULES[optimizer](parameters, gradients, state, hyper))
            return [step_data_cost, step_cost] + [new_values[variable] for variable in carried]

        outputs = engine.scan(one_step, sequences=[batches],
                              outputs_info=[None, None] + carried_shared, return_updates=False)
        final = {variable: output[-1] for variable, output in zip(carried_shared, outputs[2:])}
        arguments = [batches, reg_lambda] + list(hyper.values())
        return engine.function(arguments, outputs[:2], updates=list(final.items()), mode=mode,
                               allow_input_downcast=True, on_unused_input="ignore")

    def _state_dict(self, optimizer, values):
        if optimizer == "adam":
            count = len(self.parameters)
            return {"first_moments": values[:count], "second_moments": values[count:2 * count],
                    "step": values[-1]}
        return {"velocities": values}

    def _build_objective(self, mode):
        # The cost and gradient as functions of one flat parameter vector, for
        # scipy.optimize: each parameter is replaced by a reshaped slice of it.
        flat = engine.tensor.vector("flat_parameters", dtype=self.dtype)
        indices = engine.tensor.vector("indices", dtype="int64")
        reg_lambda = self._scalar("reg_lambda")
        data_cost, cost = self._costs(indices, reg_lambda)
        gradients = engine.grad(cost, self.parameters)
        flat_gradient = engine.tensor.concatenate([g.flatten() for g in gradients])
        givens, start = [], 0
        for parameter in self.parameters:
            shape = parameter.get_value(borrow=True).shape
            size = int(numpy.prod(shape))
            givens.append((parameter, flat[start:start + size].reshape(shape)))
            start += size
        return engine.function([flat, indices, reg_lambda], [data_cost, cost, flat_gradient],
                               givens=givens, allow_input_downcast=True, mode=mode)

    def _compiled(self, role, build, large=False):
        """Compile ``build(mode)`` once per signature; later networks copy it onto their
        own shared variables (``Function.copy(swap=...)``), which takes milliseconds.

        ``large`` compiles for the engine's ``large_graph_mode`` (the C backend linked
        to OpenBLAS), else for the default backend."""
        key = (self._signature(), role, large)
        if role == "objective":
            # Its reshapes bake the parameter shapes into the graph.
            key += (tuple(self.architecture),)
        own = self._shared_variables()
        if key in _COMPILED and engine.copies_functions:
            template, function = _COMPILED[key]
            used = {put.variable for put in function.maker.inputs}
            swap = {old: new for old, new in zip(template, own) if old in used}
            return function.copy(swap=swap)
        function = build(engine.large_graph_mode if large else None)
        _COMPILED[key] = (own, function)
        return function

    # ----------------------------------------------------- compiled functions
    def step_function(self, optimizer, large=False):
        """The compiled training step of ``optimizer`` (compiled on first use).

        Called as ``step(indices, reg_lambda, learning_rate, momentum, beta_1, beta_2,
        epsilon)``, it updates the parameters from the training rows ``indices`` of
        the data given to :meth:`set_data` and returns ``[data_cost, cost]`` measured
        before the update. ``large`` compiles it for the C backend linked to OpenBLAS
        (see :meth:`is_large`).
        """
        key = (f"step:{optimizer}", large and engine.large_graph_mode is not None)
        if key not in self._steps:
            self._steps[key] = self._compiled(key[0], partial(self._build_step, optimizer), key[1])
        return self._steps[key]

    def prepare(self, optimizer="momentum", batch_size=None):
        """Compile (or copy, for a second network) what ``train`` with ``optimizer`` and
        ``batch_size`` (None: every row of the data given to :meth:`set_data`) calls,
        so that the first training call does not pay for it."""
        # The data hold one padding row beyond the training rows (see set_data).
        n_samples = max(self.data_inputs.get_value(borrow=True).shape[0] - 1, 0)
        rows = min(batch_size or n_samples, n_samples) if n_samples else batch_size or 0
        if optimizer == "lbfgs":
            self._objective_function(self.is_large(n_samples))
        elif self.is_large(rows) or self.epoch_function(optimizer) is None:
            self.step_function(optimizer, self.is_large(rows))

    def epoch_function(self, optimizer):
        """The compiled multi-step training call of ``optimizer``, or None.

        Called as ``epoch(batches, reg_lambda, learning_rate, momentum, beta_1, beta_2,
        epsilon)`` with ``batches`` an integer matrix (one row of training-row indices
        per step, all rows the same length), it runs every step in one call and
        returns the vectors ``[data_costs, costs]``, one entry per step. None where
        the engine has no usable ``scan`` (Theano 1.0.5 on Python 3.11).
        """
        if engine.scan is None or optimizer not in updates.RULES:
            return None
        key = (f"epoch:{optimizer}", False)
        if key not in self._steps:
            self._steps[key] = self._compiled(key[0], partial(self._build_epoch, optimizer))
        return self._steps[key]

    def train_steps(self, optimizer, batches, reg_lambda, learning_rate, momentum=0.0, beta_1=0.9,
                    beta_2=0.999, epsilon=1e-8):
        """Run one training step per row of ``batches``; return the costs of each step.

        Small steps run in one multi-step call (:meth:`epoch_function`); large ones
        (:meth:`is_large`), one call each, where a call's overhead is negligible.

        Parameters
        ----------
        optimizer : {"momentum", "nesterov", "adam"}
        batches : ndarray of int (n_steps, batch_size)
            Row indices into the data given to :meth:`set_data`; pad short batches
            with the index ``n_samples`` (a row of weight zero).
        reg_lambda, learning_rate, momentum, beta_1, beta_2, epsilon : float

        Returns
        -------
        data_costs, costs : ndarray (n_steps,)
            The cross-entropy and the full cost of each step, measured before it.
        """
        hyper = (reg_lambda, learning_rate, momentum, beta_1, beta_2, epsilon)
        large = self.is_large(batches.shape[1])
        epoch = None if large else self.epoch_function(optimizer)
        if epoch is not None:
            data_costs, costs = epoch(batches, *hyper)
            return numpy.asarray(data_costs, dtype=float), numpy.asarray(costs, dtype=float)
        step = self.step_function(optimizer, large)
        # Arguments of exactly the compiled types let the calls skip checking and
        # converting them, about 70 microseconds a call.
        batches = numpy.ascontiguousarray(batches, dtype=numpy.int64)
        hyper = [numpy.asarray(value, dtype=self.dtype) for value in hyper]
        trusted, step.trust_input = step.trust_input, True
        try:
            results = numpy.array([step(indices, *hyper) for indices in batches], dtype=float)
        finally:
            step.trust_input = trusted
        return results[:, 0], results[:, 1]

    def _objective_function(self, large):
        large = large and engine.large_graph_mode is not None
        if large not in self._objectives:
            self._objectives[large] = self._compiled("objective", self._build_objective, large)
        return self._objectives[large]

    def objective(self, flat_parameters, indices, reg_lambda):
        """Data term, full cost and flat gradient at ``flat_parameters`` (for L-BFGS)."""
        function = self._objective_function(self.is_large(len(indices)))
        data_cost, cost, gradient = function(flat_parameters, indices, reg_lambda)
        return float(data_cost), float(cost), gradient

    def activate(self, inputs):
        """Forward pass: the output (softmax, or sigmoid for multilabel) for ``inputs``."""
        return self._activate(inputs)

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
        inputs = numpy.ascontiguousarray(inputs, dtype=self.dtype)
        self.set_data(inputs, numpy.ascontiguousarray(targets, dtype=self.dtype))
        batches = numpy.arange(inputs.shape[0])[numpy.newaxis, :]
        return float(self.train_steps("momentum", batches, reg_lambda, alpha, momentum)[1][0])
