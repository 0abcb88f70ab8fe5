"""What the benchmark ran on: the machine, the libraries, their BLAS, JAX's devices, and
the matrix-product peak (NumPy's BLAS and XLA's) that bounds a dense network's speed."""

import os
import platform
import time
from importlib import metadata

import numpy

__all__ = ["describe", "blas_libraries", "jax_description", "openblas_environment",
           "gemm_peak", "xla_gemm_peak", "best_peak", "gemm_tables", "load_average",
           "GEMM_SHAPES", "OPENBLAS_VARIABLES"]

# (m, k, n) of the products in a 256-row minibatch of the 256-512-512-10 network:
# forward X @ W, the weight gradients X^T @ dZ, and a large square product.
GEMM_SHAPES = ((256, 256, 512), (256, 512, 512), (512, 256, 512), (256, 512, 10), (2048, 2048, 2048))
# Variables that pin OpenBLAS's kernel and cache size; set, they can halve its speed.
OPENBLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(package):
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def load_average():
    """The 1-minute load average (None where the OS does not say)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def openblas_environment(environment=None):
    """``{variable: value or None}`` for :data:`OPENBLAS_VARIABLES` in ``environment``
    (default ``os.environ``)."""
    environment = os.environ if environment is None else environment
    return {name: environment.get(name) for name in OPENBLAS_VARIABLES}


def blas_libraries():
    """The BLAS (and OpenMP) libraries loaded in this process, from threadpoolctl.

    NumPy and SciPy each ship their own OpenBLAS; both are imported first so that both
    are listed (and PyTorch's, when something imported torch already).

    Returns
    -------
    list of dict
        ``owner`` (the package folder the library file is in), ``file``, ``user_api``,
        ``internal_api``, ``version``, ``architecture`` (the core type whose kernels run)
        and ``num_threads``; empty when threadpoolctl is not installed.
    """
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    import scipy.linalg  # noqa: F401 - loads SciPy's own OpenBLAS

    libraries = []
    for entry in threadpool_info():
        path = entry.get("filepath", "")
        libraries.append({
            "owner": os.path.basename(os.path.dirname(path)).removesuffix(".libs"),
            "file": os.path.basename(path), "user_api": entry.get("user_api"),
            "internal_api": entry.get("internal_api"), "version": entry.get("version"),
            "architecture": entry.get("architecture"), "num_threads": entry.get("num_threads"),
        })
    return libraries


def jax_description():
    """JAX's versions and devices: ``{"jax", "jaxlib", "devices", "default_device"}``,
    devices as ``"platform:device kind"`` (None when JAX is not installed)."""
    try:
        import jax
        import jaxlib
    except ImportError:
        return {"jax": "not installed", "jaxlib": _version("jaxlib"), "devices": [],
                "default_device": None}
    devices = [f"{device.platform}:{device.device_kind}" for device in jax.devices()]
    return {"jax": jax.__version__, "jaxlib": jaxlib.__version__, "devices": devices,
            "default_device": devices[0] if devices else None}


def _engine_description(engine):
    # getattr throughout: the PyTensor C/Numba backend had large_graph_mode and BLAS link
    # flags; the JAX backend has neither, and names its device instead.
    text = f"{getattr(engine, 'name', 'unknown')} {getattr(engine, 'version', '')}".strip()
    config = getattr(engine, "config", None)
    if hasattr(engine, "large_graph_mode") and text.startswith("pytensor"):
        flags = str(getattr(config, "blas__ldflags", "") or "").split()
        links = " ".join(flag for flag in flags if not flag.startswith("-D"))
        text += f" (blas__ldflags={links!r} and {len(flags) - len(links.split())} -D renames"
        if engine.large_graph_mode is not None:
            text += (f"; small steps on Numba, large steps on the C backend; "
                     f"scipy-openblas32 {_version('scipy-openblas32')})")
        else:
            text += f"; every step in mode={getattr(config, 'mode', '?')})"
    elif getattr(engine, "jax", None) is not None:
        text += " compiled through JAX (XLA)"
    device = getattr(engine, "device", None)
    if device is not None:
        text += f"; device {device}"
    return text


def describe():
    """A dict of the machine, the engine, the libraries' versions, BLAS and JAX devices.

    Returns
    -------
    dict
        ``cpu``, ``cores``, ``python``, ``engine`` (a sentence), ``mlp_device``
        (``mlp.engine.device`` or None), ``numpy``, ``scikit-learn``, ``torch``, ``mlp``,
        ``jax``, ``jaxlib``, ``jax_devices``, ``jax_default_device``, ``blas`` (see
        :func:`blas_libraries`) and ``openblas_environment`` (see
        :func:`openblas_environment`).
    """
    import mlp

    jax_info = jax_description()
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "engine": _engine_description(mlp.engine),
        "mlp_device": getattr(mlp.engine, "device", None),
        "numpy": numpy.__version__,
        "scikit-learn": _version("scikit-learn"),
        "torch": _version("torch"),
        "mlp": getattr(mlp, "__version__", "unknown"),
        "jax": jax_info["jax"],
        "jaxlib": jax_info["jaxlib"],
        "jax_devices": jax_info["devices"],
        "jax_default_device": jax_info["default_device"],
        "blas": blas_libraries(),
        "openblas_environment": openblas_environment(),
    }


def _best_seconds(call, min_seconds):
    call()  # warm the threads (and, for XLA, compile)
    best, spent = float("inf"), 0.0
    while spent < min_seconds or best == float("inf"):
        started = time.perf_counter()
        call()
        seconds = time.perf_counter() - started
        best, spent = min(best, seconds), spent + seconds
    return best


def _operands(m, k, n, dtype):
    generator = numpy.random.default_rng(0)
    return (generator.standard_normal((m, k)).astype(dtype),
            generator.standard_normal((k, n)).astype(dtype))


def gemm_peak(dtypes=("float32", "float64"), min_seconds=0.3, shapes=GEMM_SHAPES):
    """NumPy matrix-product speed, best of repeated calls: ``{dtype: {shape: GFLOP/s}}``.

    Parameters
    ----------
    dtypes : tuple of str
    min_seconds : float
        Time spent in repeated calls per shape (at least one call).
    shapes : tuple of (m, k, n)
    """
    def gflops(m, k, n, dtype):
        a, b = _operands(m, k, n, dtype)
        return 2.0 * m * k * n / _best_seconds(lambda: a @ b, min_seconds) / 1e9

    return {dtype: {shape: gflops(*shape, dtype) for shape in shapes} for dtype in dtypes}


def xla_gemm_peak(dtypes=("float32", "float64"), min_seconds=0.3, shapes=GEMM_SHAPES):
    """XLA matrix-product speed on JAX's default device: ``jax.jit(lambda a, b: a @ b)``,
    timed to ``block_until_ready``, best of repeated calls: ``{dtype: {shape: GFLOP/s}}``.

    float64 needs ``jax_enable_x64``, which this turns on for the whole process (as
    importing mlp on PyTensor's JAX backend does). Returns ``{}`` without JAX.
    """
    try:
        import jax
    except ImportError:
        return {}
    jax.config.update("jax_enable_x64", True)
    product = jax.jit(lambda a, b: a @ b)

    def gflops(m, k, n, dtype):
        a, b = (jax.device_put(operand) for operand in _operands(m, k, n, dtype))
        seconds = _best_seconds(lambda: product(a, b).block_until_ready(), min_seconds)
        return 2.0 * m * k * n / seconds / 1e9

    return {dtype: {shape: gflops(*shape, dtype) for shape in shapes} for dtype in dtypes}


def best_peak(*tables):
    """Per dtype and shape, the best GFLOP/s of the given ``{dtype: {shape: GFLOP/s}}``."""
    best = {}
    for table in tables:
        for dtype, values in table.items():
            for shape, gflops in values.items():
                best.setdefault(dtype, {})[shape] = max(gflops, best.get(dtype, {}).get(shape, 0.0))
    return best


def gemm_tables(dtypes=("float32", "float64"), min_seconds=0.3, shapes=GEMM_SHAPES):
    """``{"numpy": ..., "xla": ..., "peak": ...}``: :func:`gemm_peak`,
    :func:`xla_gemm_peak` and their :func:`best_peak`, each ``{dtype: {shape: GFLOP/s}}``."""
    numpy_table = gemm_peak(dtypes, min_seconds, shapes)
    xla_table = xla_gemm_peak(dtypes, min_seconds, shapes)
    return {"numpy": numpy_table, "xla": xla_table, "peak": best_peak(numpy_table, xla_table)}
