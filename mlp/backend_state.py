"""``NetworkState``: the arrays a network trains, held on the device between calls.

The parameters (weights, then biases), the optimiser state (the momentum rule's
velocities, Adam's moments and step counter), the dropout key and the training data
(padded to a row count from :func:`mlp.training_matrix.padded_rows`). Nothing here
compiles: :class:`mlp.backend.NetworkBackend` adds the compiled calls that read and
update these arrays.
"""

import numpy

from mlp import engine, host_memory, objectives
from mlp.init import initial_parameters
from mlp.store import Parameter, many_to_device, to_numpy
from mlp.training_matrix import padded_base, padded_rows

__all__ = ["NetworkState"]


class NetworkState:
    """A network's parameters, optimiser state and training data, as device arrays.

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
    # The host arrays set_data made for the training set, given back on clear_data, and
    # an output of the last compiled call that read the data (see clear_data).
    _owned = ()
    _last_read = None

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
                f"(independent labels) or an IdentityLayer (regression): the cost is their "
                f"cross-entropy or squared error. Received: {self.layers[-1]}"
            )
        weights, biases = initial_parameters(
            self.architecture, self._activations(), self.init, network.generator, self.dtype
        )
        self.weights = [Parameter(f"weights[{i}]", value) for i, value in enumerate(weights)]
        self.bias = [Parameter(f"bias[{i}]", value) for i, value in enumerate(biases)]
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
        """Set every parameter and optimiser state from a list made by :meth:`get_values`."""
        for variable, value in zip(self.parameters + self.state + self._random_state(), values):
            variable.value = value

    def reset_state(self):
        """Zero the optimiser state (velocities, moments, step counter)."""
        zeros = [numpy.zeros(variable.shape, dtype=variable.dtype) for variable in self.state]
        for variable, value in zip(self.state, many_to_device(zeros)):
            variable.value = value

    def reinitialize(self, generator):
        """Draw fresh weights and biases and zero the optimiser state; nothing recompiles."""
        weights, biases = initial_parameters(
            self.architecture, self._activations(), self.init, generator, self.dtype
        )
        for variable, value in zip(self.parameters, weights + biases):
            variable.set_value(value)
        self.reset_state()

    def set_data(self, inputs, targets, sample_weights=None):
        """Hold the training set on the device; steps then take row indices.

        ``inputs`` and ``targets`` must already be arrays of the backend's dtype. Rows
        of weight zero are appended, from index ``n_samples`` up to
        :func:`padded_rows` of ``n_samples + 1``: batches padded with the index
        ``n_samples`` cost exactly what the unpadded batch costs, full-batch steps
        ignore the padding, and data sets of nearby sizes share compiled programs.
        """
        n_samples = inputs.shape[0]
        rows = padded_rows(n_samples + 1)
        weights = numpy.ones(n_samples, self.dtype) if sample_weights is None else sample_weights
        # Inputs made by mlp.training_matrix.padded_matrix are already padded: no second
        # copy of the largest array. The padded arrays are aligned, and JAX uses them as
        # they are, not copied again; their memory is kept for the next run
        # (mlp.host_memory).
        padded_inputs = padded_base(inputs, self.dtype)
        # What clear_data gives back: a padded matrix's memory stays its maker's.
        owned = ()
        if padded_inputs is None:
            padded_inputs = host_memory.padded(inputs, rows, self.dtype)
            owned = (padded_inputs,)
        padded_targets = host_memory.padded(targets, rows, self.dtype)
        padded_weights = host_memory.padded(weights, rows, self.dtype)
        self._owned = owned + (padded_targets, padded_weights)
        self.data = tuple(many_to_device([padded_inputs, padded_targets, padded_weights]))
        self.n_samples = n_samples

    def clear_data(self):
        """Release the training set: its device arrays are deleted, and the host memory
        :meth:`set_data` made is kept for the next run (:mod:`mlp.host_memory`)."""
        data, owned, last_read = self.data, self._owned, self._last_read
        self.data, self.n_samples, self._owned, self._last_read = None, 0, (), None
        if data is not None and engine.jax is not None:
            # JAX computes asynchronously, and deleting an array does not wait for the
            # computations that read it: the memory goes back only once the last call
            # that read the data has finished (on the CPU, all of a call's outputs are
            # ready at once).
            if last_read is not None:
                engine.jax.block_until_ready(last_read)
            for array in data:
                array.delete()
        host_memory.release(owned)

    def flat_parameters(self):
        """Every parameter, flattened and concatenated (the order of :attr:`parameters`)."""
        return numpy.concatenate([to_numpy(p.value).ravel() for p in self.parameters])

    def set_flat_parameters(self, flat):
        """Set every parameter from a vector made like :meth:`flat_parameters`."""
        start = 0
        for parameter in self.parameters:
            size = int(numpy.prod(parameter.shape))
            parameter.set_value(numpy.reshape(flat[start:start + size], parameter.shape))
            start += size

    def _activations(self):
        return [layer.activation for layer in self.layers[1:]]


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
    return Parameter(f"{kind}[{parameter.name}]", numpy.zeros(parameter.shape, dtype=parameter.dtype))
