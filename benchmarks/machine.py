"""What the benchmark ran on, and the GEMM peak that bounds a dense network's speed."""

import os
import platform
import time
from importlib import metadata

import numpy

__all__ = ["describe", "gemm_peak", "load_average"]

# (m, k, n) of the products in a 256-row minibatch of the 256-512-512-10 network:
# forward X @ W, the weight gradients X^T @ dZ, and a large square product.
GEMM_SHAPES = ((256, 256, 512), (256, 512, 512), (512, 256, 512), (256, 512, 10), (2048, 2048, 2048))


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


def describe():
    """A dict of the machine, the engine and the libraries' versions."""
    import mlp

    config = mlp.engine.config
    engine = f"{mlp.engine.name} {mlp.engine.version}"
    if mlp.engine.name == "pytensor":
        flags = config.blas__ldflags.split()
        links = " ".join(flag for flag in flags if not flag.startswith("-D"))
        renames = len(flags) - len(links.split())
        engine += f" (blas__ldflags={links!r} and {renames} -D renames"
        if mlp.engine.large_graph_mode is not None:
            engine += (f"; small steps on Numba, large steps on the C backend; "
                       f"scipy-openblas32 {_version('scipy-openblas32')})")
        else:
            engine += f"; every step in mode={config.mode}, linker={config.linker})"
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "engine": engine,
        "numpy": numpy.__version__,
        "scikit-learn": _version("scikit-learn"),
        "torch": _version("torch"),
        "mlp": getattr(mlp, "__version__", "unknown"),
    }


def _gflops(m, k, n, dtype, min_seconds):
    generator = numpy.random.default_rng(0)
    a = generator.standard_normal((m, k)).astype(dtype)
    b = generator.standard_normal((k, n)).astype(dtype)
    a @ b  # warm the BLAS threads
    best, spent = float("inf"), 0.0
    while spent < min_seconds or best == float("inf"):
        started = time.perf_counter()
        a @ b
        seconds = time.perf_counter() - started
        best, spent = min(best, seconds), spent + seconds
    return 2.0 * m * k * n / best / 1e9


def gemm_peak(dtypes=("float32", "float64"), min_seconds=0.3):
    """NumPy matrix-product speed, best of repeated calls: ``{dtype: {shape: GFLOP/s}}``."""
    return {dtype: {shape: _gflops(*shape, dtype, min_seconds) for shape in GEMM_SHAPES}
            for dtype in dtypes}
