"""``NetworkBackend``: a network's parameters, optimiser state and training data, and the
compiled calls that read and update them.

The graphs are built in ``mlp.graph.builders`` and compiled, once per signature, in
``mlp.runtime.programs``; this class holds the arrays and calls the programs on them.
With PyTensor the arrays stay on JAX's device between calls: a training call takes
the parameters, state and data, runs many steps, and returns the new values. Call
shapes are kept to a few: the training rows are padded to a row count from a short
list of sizes (:func:`padded_rows`), minibatch calls to a power of two of steps, and
full-batch calls all have one length, so a long run compiles once.
"""

import numpy

from mlp import engine
from mlp.graph import objectives
from mlp.graph.builders import verify_cost_reaches
from mlp.graph.init import initial_parameters
from mlp.runtime import loops, programs, shapes
from mlp.runtime.arrays import Parameter, many_to_device, to_numpy
from mlp.runtime.padded_data import padded, padded_rows

__all__ = ["NetworkBackend", "verify_cost_reaches", "OPTIMIZERS", "REG_LAMBDA",
           "padded_rows"]

OPTIMIZERS = ("momentum", "nesterov", "adam", "lbfgs")
# The L2 term's weight when training is not told one (the seed's ``reg_lambda``).
REG_LAMBDA = 0.0001

# Bounds on one compiled multi-step call, so that Ctrl-C and the stopping rules are
# looked at often: at most this many steps, and about this many rows in all.
MOST_STEPS_PER_CALL = 1024
MOST_ROWS_PER_CALL = 262144
# The fewest steps a one-epoch call's index plan holds: 64 x 200 indices are 50 kB.
SHORTEST_PLAN = 64


def _power_of_two_at_least(count):
    return 1 << max(count - 1, 0).bit_length()


class NetworkBackend:
    """A network's parameters, optimiser state and training data, as device arrays, and
    the compiled calls that train and evaluate them (compiled once per signature, in
    ``mlp.runtime.programs``).

    Parameters
    ----------
    network : FeedForwardNetwork
        Supplies ``architecture``, ``layers`` (an input layer first, a softmax or
        sigmoid layer last), ``init``, ``dtype`` and ``generator``.
    regularize_bias : bool, optional
        Whether the L2 term covers the biases too (the seed's cost does; scikit-learn's
        does not). Default: the network's ``regularize_bias``, else True.

    Attributes
    ----------
    weights : list of Parameter
        ``weights[i]`` of shape ``(architecture[i + 1], architecture[i])``.
    bias : list of Parameter
        ``bias[i]`` of shape ``(architecture[i + 1],)``.
    prev_rate : list of Parameter
        The momentum rule's previous rate (velocity) for each weight, then each bias.
    first_moments, second_moments : lists of Parameter
        Adam's moment estimates, in the same order.
    adam_step : Parameter
        Adam's count of updates made.
    dropout_rates : tuple of float
        Each hidden layer's dropout rate (its ``dropout`` attribute).
    dropout_key : Parameter or None
        The random key (two uint32) the next training step draws its dropout masks
        from; drawn from the network's generator after the initial weights, and only
        when a hidden layer has dropout (so a network without it draws exactly what it
        drew before dropout existed).
    """

    # Class defaults, so that a backend pickled before dropout existed reads as without it.
    dropout_rates = ()
    dropout_key = None
    # An output of the last compiled call that read the data (see clear_data).
    _last_read = None

    @engine.scoped
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
                f"The last layer must be a SoftmaxLayer (classes), a SigmoidLayer "
                f"(independent labels), an IdentityLayer (regression) or an ExponentialLayer "
                f"(counts): the cost is their cross-entropy, squared error or Poisson "
                f"deviance. Received: {self.layers[-1]}"
            )
        weights, biases = initial_parameters(
            self.architecture, self._activations(), self.init, network.generator, self.dtype
        )
        # The sizes the programs are compiled for (mlp.runtime.shapes): the weights are
        # drawn for the network's own sizes, then padded.
        self.padded_architecture = self._padded_architecture()
        padded = self.padded_architecture
        self.weights = [Parameter(f"weights[{i}]", value, (padded[i + 1], padded[i]))
                        for i, value in enumerate(weights)]
        self.bias = [Parameter(f"bias[{i}]", value, (padded[i + 1],)) for i, value in enumerate(biases[:-1])]
        # A padded output class is masked by its bias (mlp.runtime.shapes).
        self.bias.append(Parameter(f"bias[{len(biases) - 1}]", biases[-1], (padded[-1],),
                                   fill=shapes.MASKED_LOGIT))
        self.prev_rate = [_zeros_like(p, "prev_rate") for p in self.parameters]
        self.first_moments = [_zeros_like(p, "first_moment") for p in self.parameters]
        self.second_moments = [_zeros_like(p, "second_moment") for p in self.parameters]
        self.adam_step = Parameter("adam_step", numpy.zeros((), dtype=self.dtype))
        self.dropout_rates = _dropout_rates(self.layers)
        self.dropout_key = None
        if self.dropout_layers:
            self.dropout_key = Parameter(
                "dropout_key", network.generator.integers(0, 2**32, size=2, dtype=numpy.uint32))
        self.data = None
        self.n_samples = 0

    def __setstate__(self, state):
        # A backend pickled before its shapes were padded holds its own sizes.
        state.setdefault("padded_architecture", list(state["architecture"]))
        self.__dict__.update(state)

    def _padded_architecture(self):
        padded = list(self.architecture)
        padded[0] = shapes.padded_columns(padded[0])
        padded[-1] = shapes.padded_outputs(padded[-1], self.output, self.regularize_bias)
        return padded

    # ----------------------------------------------------------------- state
    @property
    def parameters(self):
        """Every trained parameter: the weights, then the biases (the seed's order)."""
        return self.weights + self.bias

    @property
    def state(self):
        """Optimiser state: the velocities, Adam's moments and its step counter."""
        return self.prev_rate + self.first_moments + self.second_moments + [self.adam_step]

    def _optimizer_state(self, optimizer):
        """The state ``optimizer`` reads and updates, in the order its program carries it."""
        if optimizer == "adam":
            return self.first_moments + self.second_moments + [self.adam_step]
        return list(self.prev_rate)

    @property
    def dropout_layers(self):
        """Indices, among the hidden layers, of those with dropout."""
        return tuple(index for index, rate in enumerate(self.dropout_rates) if rate > 0)

    def _random_state(self):
        return [] if self.dropout_key is None else [self.dropout_key]

    def get_values(self):
        """Every parameter and optimiser state value (and the dropout key), to restore
        with :meth:`set_values`: a restored snapshot replays the same dropout masks.

        Values are never changed in place, so this is a snapshot without a copy.
        """
        return [variable.value for variable in self.parameters + self.state + self._random_state()]

    def set_values(self, values):
        """Set every parameter and optimiser state from a list made by :meth:`get_values`
        (any NumPy arrays among them go to the device, in one transfer)."""
        values = list(values)
        on_host = [index for index, value in enumerate(values) if isinstance(value, numpy.ndarray)]
        if on_host and engine.jax is not None:
            for index, value in zip(on_host, many_to_device([values[index] for index in on_host])):
                values[index] = value
        for variable, value in zip(self.parameters + self.state + self._random_state(), values):
            variable.value = value

    @engine.scoped
    def reset_state(self):
        """Zero the optimiser state (velocities, moments, step counter)."""
        zeros = [numpy.zeros(variable.padded_shape, dtype=variable.dtype) for variable in self.state]
        for variable, value in zip(self.state, many_to_device(zeros)):
            variable.value = value

    @engine.scoped
    def reinitialize(self, generator):
        """Draw fresh weights and biases and zero the optimiser state; nothing recompiles."""
        weights, biases = initial_parameters(
            self.architecture, self._activations(), self.init, generator, self.dtype
        )
        for variable, value in zip(self.parameters, weights + biases):
            variable.set_value(value)
        self.reset_state()

    @engine.scoped
    def set_data(self, inputs, targets, sample_weights=None, n_samples=None):
        """Hold the training set on the device; steps then take row indices.

        Rows of weight zero follow the ``n_samples`` training rows, from index
        ``n_samples`` up to :func:`padded_rows` of ``n_samples + 1``: batches padded
        with the index ``n_samples`` cost exactly what the unpadded batch costs,
        full-batch steps ignore the padding, and data sets of nearby sizes share
        compiled programs.

        Parameters
        ----------
        inputs : ndarray
            The training rows, ``(n_samples, architecture[0])``, copied into a new
            padded array. Or, with ``n_samples`` given, a matrix already padded, as
            :func:`mlp.runtime.padded_data.padded_matrix` makes it: ``padded_rows(n_samples
            + 1)`` rows of the backend's dtype, zeros after the first ``n_samples``. It
            is used as it is, with no second copy (on the CPU the device array shares
            its memory): it must not change until :meth:`clear_data`.
        targets : ndarray (n_samples, architecture[-1])
            Of the backend's dtype.
        sample_weights : ndarray (n_samples,), optional
            Each row's weight in the loss; None: equal weights.
        n_samples : int, optional
            Given when ``inputs`` is already padded: its number of training rows.

        Raises
        ------
        ValueError
            When an already padded ``inputs`` has another number of rows or dtype, or
            is not C-contiguous.
        """
        columns, outputs = self.padded_architecture[0], self.padded_architecture[-1]
        if n_samples is None:
            n_samples = inputs.shape[0]
            # Aligned, as padded_matrix makes it: JAX on the CPU then uses it without a copy.
            padded_inputs = padded(inputs, padded_rows(n_samples + 1), self.dtype, columns)
        else:
            padded_inputs = self._checked_padded(inputs, n_samples)
        rows = padded_inputs.shape[0]
        weights = numpy.ones(n_samples, self.dtype) if sample_weights is None else sample_weights
        padded_targets = padded(targets, rows, self.dtype, outputs)
        padded_weights = padded(weights, rows, self.dtype)
        self.data = tuple(many_to_device([padded_inputs, padded_targets, padded_weights]))
        self.n_samples = n_samples

    def _checked_padded(self, inputs, n_samples):
        columns = self.padded_architecture[0]
        rows = {shapes.training_rows(n_samples + 1, columns, self.dtype, minibatches)
                for minibatches in (False, True)}
        if (inputs.ndim != 2 or inputs.shape[0] not in rows or inputs.dtype != self.dtype
                or not inputs.flags.c_contiguous
                or inputs.shape[1] not in (columns, self.architecture[0])):
            raise ValueError(
                f"`inputs` given with n_samples={n_samples} must be a padded matrix: a "
                f"C-contiguous {self.dtype} array of {' or '.join(map(str, sorted(rows)))} "
                f"rows (mlp.runtime.shapes.training_rows) and {columns} columns. "
                f"Received: inputs of shape {inputs.shape} and dtype {inputs.dtype}"
            )
        if inputs.shape[1] != columns:
            # Padded for another setting of the buckets (mlp.runtime.shapes.exact_shapes).
            inputs = padded(inputs, inputs.shape[0], self.dtype, columns)
        return inputs

    @engine.scoped
    def clear_data(self):
        """Release the training set: its device arrays are deleted (and the host memory
        they share goes back to NumPy once nothing else holds it)."""
        data, last_read = self.data, self._last_read
        self.data, self.n_samples, self._last_read = None, 0, None
        if data is not None and engine.jax is not None:
            # JAX computes asynchronously, and deleting an array does not wait for the
            # computations that read it: the memory goes back only once the last call
            # that read the data has finished (on the CPU, all of a call's outputs are
            # ready at once).
            if last_read is not None:
                engine.jax.block_until_ready(last_read)
            for array in data:
                array.delete()

    @engine.scoped
    def flat_parameters(self):
        """Every parameter, flattened and concatenated (the order of :attr:`parameters`)."""
        return numpy.concatenate([p.get_value().ravel() for p in self.parameters])

    @engine.scoped
    def set_flat_parameters(self, flat):
        """Set every parameter from a vector made like :meth:`flat_parameters`."""
        start = 0
        for parameter in self.parameters:
            size = int(numpy.prod(parameter.shape))
            parameter.set_value(numpy.reshape(flat[start:start + size], parameter.shape))
            start += size

    def _activations(self):
        return [layer.activation for layer in self.layers[1:]]

    def _signature(self):
        # Layer kinds, not sizes: shapes are symbolic, so one program serves every
        # network of the same depth and kinds. Every part is a plain value, so the
        # signature also names the program's file in the disk cache.
        kinds = tuple(f"{type(layer).__module__}.{type(layer).__qualname__}" for layer in self.layers)
        return (engine.name, self.dtype, kinds, self.regularize_bias)

    def _program(self, role, build):
        return programs.program((self._signature(), role), self.layers, self.dtype, build)

    def _training_program(self, optimizer, batched, clip, penalized=True):
        dropout = self.dropout_layers
        build = loops.training_run(optimizer, self.regularize_bias, batched, dropout,
                                              clip, penalized)
        # Dropout, clipping and a training without L2 term name themselves only when
        # so: otherwise the key (and the saved program's file name) is the plain graph's.
        role = ("train", optimizer, batched)
        role += (("dropout", dropout),) if dropout else ()
        role += ("clip_norm",) if clip else ()
        role += () if penalized else ("unpenalized",)
        return self._program(role, build)

    @staticmethod
    def steps_per_call(batch_size, full_batch=False):
        """How many steps of ``batch_size`` rows one training call makes at most
        (``full_batch``: steps of every row, which take no index plan)."""
        most = loops.FULL_BATCH_STEPS if full_batch else MOST_STEPS_PER_CALL
        return max(1, min(most, MOST_ROWS_PER_CALL // max(batch_size, 1)))

    def call_length(self, batch_size, steps_per_epoch, many_epochs):
        """Rows of the padded index plan of the minibatch calls of one training run.

        Every call of a run has this shape, so the run compiles once: calls of many
        epochs make up to :meth:`steps_per_call` steps, calls of one epoch at most one
        epoch's steps.
        """
        most = self.steps_per_call(batch_size)
        if many_epochs:
            return _power_of_two_at_least(most)
        # At least SHORTEST_PLAN rows (those past the epoch's steps do not run), so that
        # tables of different sizes share the program.
        return _power_of_two_at_least(min(max(steps_per_epoch, SHORTEST_PLAN), most))

    def _hyper(self, values):
        return tuple(numpy.asarray(value, dtype=self.dtype) for value in values)

    @engine.scoped
    def train_steps(self, optimizer, batches, reg_lambda, learning_rate, momentum=0.0, beta_1=0.9,
                    beta_2=0.999, epsilon=1e-8, length=None, clip_norm=None):
        """Run training steps in one compiled call; return the costs of each step.

        Parameters
        ----------
        optimizer : {"momentum", "nesterov", "adam"}
        batches : ndarray of int (n_steps, batch_size), or int
            Row indices into the data given to :meth:`set_data`, one row per step,
            short batches padded with the index ``n_samples`` (a row of weight zero);
            or the number of full-batch steps (every row, each step).
        reg_lambda, learning_rate, momentum, beta_1, beta_2, epsilon : float
        length : int, optional
            Rows the index plan is padded to (the extra ones do not run); default the
            power of two at least ``n_steps``. One length for every call of a run
            keeps it to one compiled program.
        clip_norm : float, optional
            Clip each step's gradient (all parameters together) to this global L2
            norm before the update rule; None: no clipping (the plain program).

        Each step applies the hidden layers' dropout (:attr:`dropout_rates`), its masks
        drawn from :attr:`dropout_key`, which the call advances.

        Returns
        -------
        data_costs, costs : ndarray (n_steps,)
            The cross-entropy and the full cost of each step, measured before it.
        finite : bool
            Whether every parameter and state value is finite after the last step.
        """
        batched = not isinstance(batches, (int, numpy.integer))
        n_steps = len(batches) if batched else int(batches)
        program = self._training_program(optimizer, batched, clip_norm is not None,
                                         penalized=float(reg_lambda) != 0)
        hyper = self._hyper((reg_lambda, learning_rate, momentum, beta_1, beta_2, epsilon))
        carried_variables = self.parameters + self._optimizer_state(optimizer) + self._random_state()
        plan = self._padded_plan(batches, length) if batched else None
        rates = None
        if self.dropout_layers:
            rates = numpy.asarray([self.dropout_rates[index] for index in self.dropout_layers],
                                  dtype=self.dtype)
        clip = None if clip_norm is None else self._hyper([clip_norm])[0]
        values, costs, finite = program([variable.value for variable in carried_variables],
                                        self.data, plan, numpy.int64(n_steps), hyper, rates, clip)
        for variable, value in zip(carried_variables, values):
            variable.value = value
        # clear_data waits for it: then no computation reads the data any more.
        self._last_read = costs
        costs = numpy.asarray(costs, dtype=float)[:n_steps]
        return costs[:, 0], costs[:, 1], bool(finite)

    def _padded_plan(self, batches, length):
        """The index matrix, padded to ``length`` steps (the extra ones do not run)."""
        batches = numpy.asarray(batches, dtype=numpy.int32)
        if engine.jax is None:
            return batches
        length = max(length or _power_of_two_at_least(len(batches)), len(batches))
        plan = numpy.full((length, batches.shape[1]), self.n_samples, dtype=numpy.int32)
        plan[:len(batches)] = batches
        return plan

    @engine.scoped
    def prepare(self, optimizer="momentum", batch_size=None, n_samples=None, many_epochs=True,
                clip_norm=None, reg_lambda=REG_LAMBDA):
        """Compile what :meth:`train_steps` (or L-BFGS's objective) with ``optimizer`` and
        ``batch_size`` calls, for ``n_samples`` training rows (default: the data given to
        :meth:`set_data`), so that the first training call does not pay for it.
        ``many_epochs``: whether calls run many epochs (training without validation
        data, schedule or reachable target) or one; ``clip_norm``: whether they clip
        (any positive number compiles the clipping program, None the plain one);
        ``reg_lambda``: whether they have an L2 term (0 compiles the program without
        one; the default is ``train``'s).

        It makes a call of zero steps, on stand-in data of that many rows when needed,
        through the same path as training, so it compiles exactly what training runs.
        """
        if engine.jax is None:
            return
        n_samples = max(int(self.n_samples if n_samples is None else n_samples), 1)
        held = self.data, self.n_samples
        stand_in = self.data is None or self.n_samples != n_samples
        if stand_in:
            self.set_data(numpy.zeros((n_samples, self.architecture[0]), self.dtype),
                          numpy.zeros((n_samples, self.architecture[-1]), self.dtype))
        try:
            if optimizer == "lbfgs":
                self.objective(self.flat_parameters(), 0.0)
                return
            batch_size = min(batch_size or n_samples, n_samples)
            steps = -(-n_samples // batch_size)
            if steps == 1:
                self.train_steps(optimizer, 0, reg_lambda, 0.0, clip_norm=clip_norm)
            else:
                no_steps = numpy.zeros((0, batch_size), dtype=numpy.int32)
                self.train_steps(optimizer, no_steps, reg_lambda, 0.0, clip_norm=clip_norm,
                                 length=self.call_length(batch_size, steps, many_epochs))
        finally:
            if stand_in:
                self.clear_data()
            self.data, self.n_samples = held

    def _objective_program(self):
        own = tuple(parameter.shape for parameter in self.parameters)
        padded = tuple((parameter.padded_shape, parameter.fill) for parameter in self.parameters)
        build = loops.objective(self.regularize_bias, own, padded)
        return self._program(("objective", own, padded), build)

    @engine.scoped
    def objective(self, flat_parameters, reg_lambda):
        """Data term, full cost and flat gradient at ``flat_parameters``, on every training
        row of the data given to :meth:`set_data` (for L-BFGS), without dropout."""
        run = self._objective_program()
        # Always float64, as scipy.optimize passes it: one call shape for the program.
        flat_parameters = numpy.asarray(flat_parameters, dtype=numpy.float64)
        data_cost, cost, gradient = run(flat_parameters, self.data, self._hyper([reg_lambda])[0])
        self._last_read = data_cost
        return float(data_cost), float(cost), numpy.asarray(gradient, dtype=numpy.float64)

    @engine.scoped
    def activate(self, inputs):
        """Forward pass: the output (softmax, or sigmoid for multilabel) for ``inputs``."""
        inputs = numpy.asarray(inputs, dtype=self.dtype)
        n_rows = inputs.shape[0]
        if n_rows == 0:
            return numpy.zeros((0, self.architecture[-1]), dtype=self.dtype)
        run = self._program(("forward",), loops.forward)
        parameters = [parameter.value for parameter in self.parameters]
        columns, outputs = self.padded_architecture[0], self.architecture[-1]
        block = shapes.prediction_block_rows(n_rows)
        padded = numpy.zeros((-(-n_rows // block) * block, columns), dtype=self.dtype)
        padded[:n_rows, :inputs.shape[1]] = inputs
        # Every block is dispatched before the first result is read.
        results = [run(padded[start:start + block], parameters)
                   for start in range(0, n_rows, block)]
        predicted = numpy.concatenate([numpy.asarray(result) for result in results])
        if engine.jax is None:
            return predicted[:n_rows, :outputs]
        return to_numpy(predicted[:n_rows, :outputs])

    @engine.scoped
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
        return float(self.train_steps("momentum", 1, reg_lambda, alpha, momentum)[1][0])


def _dropout_rates(layers):
    """Each hidden layer's dropout rate; refuses dropout on the input or output layer."""
    for layer in (layers[0], layers[-1]):
        if getattr(layer, "dropout", 0.0):
            raise ValueError(
                f"Dropout applies to hidden layers only. Received: {layer!r} as the "
                f"{'input' if layer is layers[0] else 'output'} layer"
            )
    return tuple(float(getattr(layer, "dropout", 0.0)) for layer in layers[1:-1])


def _zeros_like(parameter, kind):
    return Parameter(f"{kind}[{parameter.name}]", numpy.zeros(parameter.shape, dtype=parameter.dtype),
                     parameter.padded_shape)
