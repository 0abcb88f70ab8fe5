"""The PyTensor engine: its loader, and the JAX options it sets.

PyTensor builds the graphs; :func:`load`'s ``executable`` turns one into a JAX
function, which ``mlp.runtime.programs`` wraps in ``jax.jit`` with its loops. On the way it
hands XLA each weight gradient in the form XLA multiplies fastest
(:func:`_weight_gradient_rewrite`). Importing it sets
``jax_enable_x64`` and, unless the environment sets them, the persistent compilation
cache's folder and threshold (see :mod:`mlp.engine`). Only :mod:`mlp.engine` imports
this module.
"""

import functools
import os

import numpy

# The oldest PyTensor whose JAX backend this library was tested with.
_OLDEST_PYTENSOR = (3, 0)


def _cache_folder():
    """Where JAX keeps compiled programs between processes (see :mod:`mlp.engine`)."""
    base = os.environ.get("MLP_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "mlp")
    return os.path.join(base, "jax")


def _configure_jax(jax):
    """Turn on float64 and the persistent compilation cache; returns the cache folder."""
    jax.config.update("jax_enable_x64", True)
    if "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS" not in os.environ:
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    folder = jax.config.jax_compilation_cache_dir
    if not folder:
        folder = _cache_folder()
        jax.config.update("jax_compilation_cache_dir", folder)
    return folder


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
    import pytensor.tensor as tensor_module
    from pytensor.gradient import disconnected_grad as stop
    from pytensor.graph.fg import FunctionGraph
    from pytensor.graph.traversal import ancestors as graph_ancestors
    from pytensor.link.jax.dispatch import jax_funcify
    from pytensor.tensor.elemwise import CAReduce
    from pytensor.tensor.special import softmax as row_softmax

    # After PyTensor's JAX dispatch, which sets float64 from its floatX at import.
    cache_folder = _configure_jax(jax)
    plain_weight_gradients = _weight_gradient_rewrite(pytensor)

    def executable(inputs, outputs):
        # PyTensor's own rewrites are skipped: XLA fuses and simplifies the graph
        # itself, and measured, the rewritten graph ran slower (1.8 against 1.2 ms an
        # epoch of digits) and took 0.25 s more to prepare in every process.
        graph = FunctionGraph(inputs, outputs, clone=True)
        _accumulate_in_output_type(graph, CAReduce)
        plain_weight_gradients(graph)
        return jax_funcify(graph)

    default_device = jax.devices()[0]
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
        "device": f"{default_device.platform}:{default_device.device_kind}",
        "cache_folder": cache_folder,
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
# it to XLA's faster matrix kernels. Time of the copied form over the summed one,
# measured per product: 0.70-0.75 at batches of 256 rows (256-512 units, float32),
# 0.5-0.8 for the tiny products of digits and XOR, but 1.4-1.7 at batches of 32-128 rows
# of 256 units and 1.06 at 200 rows of 64-100 units (float32; docs/design.md, "Weight
# gradients"). Float64 hidden values are held as (units, rows) and have no such product.
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
