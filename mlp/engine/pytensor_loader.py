"""The PyTensor engine: its loader, and the JAX setting mlp's own calls run under.

PyTensor builds the graphs; :func:`load`'s ``executable`` turns one into a JAX
function, which ``mlp.runtime.programs`` compiles with its loops. On the way it
hands XLA each weight gradient in the form XLA multiplies fastest
(:func:`_weight_gradient_rewrite`). Loading changes no JAX option and starts none of
JAX's backends: float64 is turned on only inside mlp's own calls (:func:`_x64_scope`),
and the device is looked up on first use. Only :mod:`mlp.engine` imports this module.
"""

import contextlib
import functools
import pickle

import numpy

# The oldest PyTensor whose JAX backend this library was tested with.
_OLDEST_PYTENSOR = (3, 0)


def _import_dispatch_keeping_x64(jax):
    """Import PyTensor's JAX dispatch, and put back the process's ``jax_enable_x64``,
    which that module sets from PyTensor's floatX when it is imported."""
    before = jax.config.jax_enable_x64
    try:
        import pytensor.link.jax.dispatch
    finally:
        if jax.config.jax_enable_x64 != before:
            jax.config.update("jax_enable_x64", before)
    return pytensor.link.jax.dispatch


def _x64_scope(jax):
    """Return ``scope()``: a context manager under which JAX computes in float64, in
    this thread only; the process's own setting is back on leaving it.

    Entered once per call of mlp's; nested, or when the process already has float64
    on, it is a do-nothing context (cheaper still).
    """
    setting = jax.enable_x64
    nothing = contextlib.nullcontext()

    def scope():
        return nothing if setting.value else setting(True)

    return scope


def _device_name(jax):
    """Return ``name()``: the default device as ``"platform:kind"``, found on first call
    (which starts JAX's backends)."""
    @functools.cache
    def name():
        device = jax.devices()[0]
        return f"{device.platform}:{device.device_kind}"

    return name


def _executable_files(jax):
    """Return ``to_bytes(compiled)`` and ``from_bytes(contents)``: a compiled executable
    (``jax.stages.Compiled``) as bytes, and back, loaded on the default device.

    The bytes are JAX's own serialization, which unpickles: only ever read back what mlp
    wrote itself (``mlp.runtime.program_files`` checks each file's digest first).
    """
    from jax.experimental import serialize_executable

    def to_bytes(compiled):
        serialized, arguments_tree, outputs_tree = serialize_executable.serialize(compiled)
        # The trees of the arguments and the outputs, which JAX leaves to its caller.
        return pickle.dumps((serialized, arguments_tree, outputs_tree))

    def from_bytes(contents):
        serialized, arguments_tree, outputs_tree = pickle.loads(contents)
        device = jax.devices()[0]
        return serialize_executable.deserialize_and_load(
            serialized, arguments_tree, outputs_tree, backend=device.client,
            execution_devices=[device])

    return to_bytes, from_bytes


def _version_tuple(text):
    numbers = []
    for part in text.split(".")[:2]:
        digits = "".join(character for character in part if character.isdigit())
        numbers.append(int(digits or 0))
    return tuple(numbers)


def load():
    """Import PyTensor and JAX; return the engine's parts by name (see :mod:`mlp.engine`)."""
    import pytensor

    if _version_tuple(pytensor.__version__) < _OLDEST_PYTENSOR:
        oldest = ".".join(map(str, _OLDEST_PYTENSOR))
        raise ImportError(
            f"mlp needs PyTensor >= {oldest} (its JAX backend); PyTensor "
            f"{pytensor.__version__} is installed. Upgrade it: pip install 'pytensor>={oldest}'"
        )
    import jax

    jax_funcify = _import_dispatch_keeping_x64(jax).jax_funcify
    import pytensor.tensor as tensor_module
    from pytensor.gradient import disconnected_grad as stop
    from pytensor.graph.fg import FunctionGraph
    from pytensor.graph.traversal import ancestors as graph_ancestors
    from pytensor.tensor.elemwise import CAReduce
    from pytensor.tensor.special import softmax as row_softmax

    plain_weight_gradients = _weight_gradient_rewrite(pytensor)
    executable_to_bytes, executable_from_bytes = _executable_files(jax)

    def executable(inputs, outputs):
        # PyTensor's own rewrites are skipped: XLA fuses and simplifies the graph
        # itself, and the rewritten graph ran slower and took longer to prepare in
        # every process (docs/design.md).
        graph = FunctionGraph(inputs, outputs, clone=True)
        _accumulate_in_output_type(graph, CAReduce)
        plain_weight_gradients(graph)
        return jax_funcify(graph)

    return {
        "name": "pytensor",
        "version": pytensor.__version__,
        "tensor": tensor_module,
        "grad": pytensor.grad,
        "ancestors": graph_ancestors,
        "disconnected_grad": stop,
        "sigmoid": tensor_module.sigmoid,
        # PyTensor's softmax normalises over the whole matrix unless told the axis.
        "softmax": functools.partial(row_softmax, axis=-1),
        "config": pytensor.config,
        "executable": executable,
        "jax": jax,
        "device": _device_name(jax),
        "scope": _x64_scope(jax),
        "executable_to_bytes": executable_to_bytes,
        "executable_from_bytes": executable_from_bytes,
    }


def _accumulate_in_output_type(graph, reduction_class):
    """Make every sum in ``graph`` accumulate in its output's type.

    PyTensor sums float32 values in a float64 accumulator, and its JAX translation
    returns the accumulator's type (its rewrites, which this engine skips, would cast
    back). A bias gradient is such a sum: unchanged, every float32 update would come
    out in float64.
    """
    for node in list(graph.toposort()):
        operation = node.op
        output = node.outputs[0]
        accumulator = getattr(operation, "acc_dtype", None)
        if not isinstance(operation, reduction_class) or accumulator in (None, output.dtype):
            continue
        replacement = type(operation)(axis=operation.axis, dtype=operation.dtype,
                                      acc_dtype=output.dtype)
        graph.replace(output, replacement(*node.inputs), import_missing=True)


# The gradient of ``dot(h, W.T)`` with respect to ``W`` comes out of ``pytensor.grad``
# as ``dot(h.T, g).T``, a product summed over the rows of a batch, which XLA's CPU
# backend runs with Eigen. Copying ``g.T`` out first and multiplying ``g.T @ h`` sends
# it to XLA's faster matrix kernels for batches of many rows and for tiny products, but
# is slower for mid-sized batches (docs/design.md, "Weight gradients"; the figures on
# AVX2 and AVX-512 CPUs are in docs/measurements.md, "Thresholds"). Float64 hidden
# values are held as (units, rows) and have no such product.
_ROWS_WORTH_A_COPY = 256
_TINY_PRODUCT = 256 * 1024


def _copy_pays(rows, units_out, units_in):
    """Whether ``g.T`` copied out, then a plain product, beats XLA's summed form."""
    return rows >= _ROWS_WORTH_A_COPY or rows * units_out * units_in <= _TINY_PRODUCT


def _weight_gradient_class(pytensor):
    from pytensor.graph.basic import Apply
    from pytensor.graph.op import Op
    from pytensor.link.jax.dispatch import jax_funcify

    class WeightGradient(Op):
        """``g.T @ h``: the deltas ``g (rows, units_out)`` of a layer times its inputs
        ``h (rows, units_in)``, summed over the rows: the gradient of its weights."""

        __props__ = ()

        def make_node(self, deltas, layer_inputs):
            tensor = pytensor.tensor
            deltas = tensor.as_tensor_variable(deltas)
            layer_inputs = tensor.as_tensor_variable(layer_inputs)
            dtype = pytensor.scalar.upcast(deltas.dtype, layer_inputs.dtype)
            return Apply(self, [deltas, layer_inputs], [tensor.matrix(dtype=dtype)])

        def perform(self, node, arguments, output_storage):
            # PyTensor's own linkers need it; the JAX form below is what mlp runs.
            deltas, layer_inputs = arguments
            output_storage[0][0] = numpy.asarray(deltas.T @ layer_inputs, node.outputs[0].dtype)

    @jax_funcify.register(WeightGradient)
    def _jax_weight_gradient(op, **kwargs):
        import jax

        def weight_gradient(deltas, layer_inputs):
            rows, units_out = deltas.shape
            if _copy_pays(rows, units_out, layer_inputs.shape[1]):
                # The barrier keeps XLA from folding the transpose back into the product.
                return jax.lax.optimization_barrier(deltas.T) @ layer_inputs
            return (layer_inputs.T @ deltas).T

        return weight_gradient

    return WeightGradient


def _weight_gradient_rewrite(pytensor):
    """Return ``rewrite_graph(graph)``, which puts a ``WeightGradient`` in place of every
    ``dot(h.T, g).T`` of a ``FunctionGraph`` (any such product equals ``g.T @ h``)."""
    from pytensor.tensor.elemwise import DimShuffle
    from pytensor.tensor.math import Dot

    weight_gradient = _weight_gradient_class(pytensor)()

    def transposed(variable):
        """The matrix whose transpose ``variable`` is, or None."""
        owner = variable.owner
        if owner is not None and isinstance(owner.op, DimShuffle) and owner.op.new_order == (1, 0):
            return owner.inputs[0]
        return None

    def rewrite_graph(graph):
        for node in list(graph.toposort()):
            if not isinstance(node.op, Dot) or node.outputs[0].ndim != 2:
                continue
            layer_inputs = transposed(node.inputs[0])
            clients = graph.clients[node.outputs[0]]
            if layer_inputs is None or len(clients) != 1:
                continue
            # A graph output's client is an output node, which has no outputs.
            outer = clients[0][0].outputs
            if len(outer) == 1 and transposed(outer[0]) is node.outputs[0]:
                graph.replace(outer[0], weight_gradient(node.inputs[1], layer_inputs),
                              import_missing=True)

    return rewrite_graph
