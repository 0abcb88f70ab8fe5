"""``NetworkBackend``: a network's parameters, optimiser state and training data, and the
compiled calls that read and update them.

The graphs are built in ``mlp.graphs`` and compiled, once per signature, in
``mlp.compiled``; ``mlp.backend_state`` holds the arrays, and this module calls the
programs on them.
With PyTensor the arrays stay on JAX's device between calls: a training call takes
the parameters, state and data, runs many steps, and returns the new values. Call
shapes are kept to a few: the training rows are padded to a row count from a short
list of sizes (:func:`padded_rows`), minibatch calls to a power of two of steps, and
full-batch calls all have one length, so a long run compiles once.
"""

import numpy

from mlp import compiled, engine, program_builders
from mlp.backend_state import NetworkState
from mlp.graphs import verify_cost_reaches
from mlp.store import to_numpy
from mlp.training_matrix import padded_rows

__all__ = ["ComputationBackend", "NetworkBackend", "verify_cost_reaches", "OPTIMIZERS", "REG_LAMBDA",
           "padded_rows"]

OPTIMIZERS = ("momentum", "nesterov", "adam", "lbfgs")
# The L2 term's weight when training is not told one (the seed's ``reg_lambda``).
REG_LAMBDA = 0.0001

# Bounds on one compiled multi-step call, so that Ctrl-C and the stopping rules are
# looked at often: at most this many steps, and about this many rows in all.
MOST_STEPS_PER_CALL = 1024
MOST_ROWS_PER_CALL = 262144


class ComputationBackend:
    """The activations a layer applies, under the seed's names."""

    def __init__(self):
        self.sigmoid = engine.sigmoid
        self.softmax = engine.softmax
        self.tanh = engine.tanh
        self.relu = engine.relu
        self.leaky_relu = engine.leaky_relu
        self.elu = engine.elu
        self.gelu = engine.gelu
        self.silu = engine.silu


def _power_of_two_at_least(count):
    return 1 << max(count - 1, 0).bit_length()


class NetworkBackend(NetworkState):
    """Parameters, optimiser state and compiled calls of a feed-forward network.

    The arrays, and the parameters this class is made with, are those of
    :class:`mlp.backend_state.NetworkState`; this class compiles (once per signature,
    in ``mlp.compiled``) and calls the programs that train and evaluate them.
    """

    def _signature(self):
        # Layer kinds, not sizes: shapes are symbolic, so one program serves every
        # network of the same depth and kinds. Every part is a plain value, so the
        # signature also names the program's file in the disk cache.
        kinds = tuple(f"{type(layer).__module__}.{type(layer).__qualname__}" for layer in self.layers)
        return (engine.name, self.dtype, kinds, self.regularize_bias)

    def _program(self, role, build):
        return compiled.program((self._signature(), role), self.layers, self.dtype, build)

    def _training_program(self, optimizer, batched, clip, penalized=True):
        dropout = self.dropout_layers
        build = program_builders.training_run(optimizer, self.regularize_bias, batched, dropout,
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
        most = program_builders.FULL_BATCH_STEPS if full_batch else MOST_STEPS_PER_CALL
        return max(1, min(most, MOST_ROWS_PER_CALL // max(batch_size, 1)))

    def call_length(self, batch_size, steps_per_epoch, many_epochs):
        """Rows of the padded index plan of the minibatch calls of one training run.

        Every call of a run has this shape, so the run compiles once: calls of many
        epochs make up to :meth:`steps_per_call` steps, calls of one epoch at most one
        epoch's steps.
        """
        most = self.steps_per_call(batch_size)
        return _power_of_two_at_least(most if many_epochs else min(steps_per_epoch, most))

    def _hyper(self, values):
        return tuple(numpy.asarray(value, dtype=self.dtype) for value in values)

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
        held = self.data, self.n_samples, self._owned
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
            self.data, self.n_samples, self._owned = held

    def _objective_program(self):
        shapes = tuple(parameter.shape for parameter in self.parameters)
        build = program_builders.objective(self.regularize_bias, shapes)
        return self._program(("objective", shapes), build)

    def objective(self, flat_parameters, reg_lambda):
        """Data term, full cost and flat gradient at ``flat_parameters``, on every training
        row of the data given to :meth:`set_data` (for L-BFGS), without dropout."""
        run = self._objective_program()
        # Always float64, as scipy.optimize passes it: one call shape for the program.
        flat_parameters = numpy.asarray(flat_parameters, dtype=numpy.float64)
        data_cost, cost, gradient = run(flat_parameters, self.data, self._hyper([reg_lambda])[0])
        self._last_read = data_cost
        return float(data_cost), float(cost), numpy.asarray(gradient, dtype=numpy.float64)

    def activate(self, inputs):
        """Forward pass: the output (softmax, or sigmoid for multilabel) for ``inputs``."""
        inputs = numpy.asarray(inputs, dtype=self.dtype)
        n_rows = inputs.shape[0]
        if n_rows == 0:
            return numpy.zeros((0, self.architecture[-1]), dtype=self.dtype)
        run = self._program(("forward",), program_builders.forward)
        parameters = [parameter.value for parameter in self.parameters]
        if engine.jax is None:
            return numpy.asarray(run(inputs, parameters))
        padded = numpy.zeros((padded_rows(n_rows), inputs.shape[1]), dtype=self.dtype)
        padded[:n_rows] = inputs
        return to_numpy(run(padded, parameters))[:n_rows]

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
