"""The Theano 1.0.5 engine (the seed's): its loader and the BLAS it links.

Theano compiles each graph to C code of its own, one compiled call per step. Its C
code is linked to scipy-openblas32's OpenBLAS when that wheel is installed (see
:func:`_blas_flags`). Only :mod:`mlp.engine` imports this module.
"""

import contextlib
import ctypes
import importlib.util
import os

# Theano's C code is linked to scipy-openblas32's OpenBLAS.
# The BLAS routines the engine's C code declares, by their Fortran names (it calls
# the real ones' gemm, gemv, ger and dot), in families of precisions and routines.
_BLAS_FAMILIES = (
    ("sd", ("axpy", "copy", "dot", "gemm", "gemv", "ger", "rot", "scal", "swap")),
    ("cz", ("axpy", "copy", "gemm", "gemv", "gerc", "geru", "scal", "swap")),
)
# OpenBLAS's own calls, which Theano's convolutions make when its openmp flag is on.
_OPENBLAS_THREADS = ("openblas_set_num_threads", "openblas_get_num_threads",
                     "goto_set_num_threads")
_BLAS_PREFIX = "scipy_"
_OPENBLAS_FILES = ("libscipy_openblas.so", "libscipy_openblas.dylib")


def _renamed_routines():
    """The names in Theano's C code that the link flags rename to ``scipy_<name>``."""
    names = list(_OPENBLAS_THREADS)
    for precisions, routines in _BLAS_FAMILIES:
        for precision in precisions:
            for routine in routines:
                names.append(f"{precision}{routine}_")
    return names


def _scipy_openblas_folder():
    """The folder of the ``scipy-openblas32`` wheel's library when it loads, else None.

    Found without importing the package: its import loads the library globally, and
    SciPy's own modules imported after it would then bind to it instead of the copy
    they ship with.
    """
    try:
        spec = importlib.util.find_spec("scipy_openblas32")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = os.path.join(list(spec.submodule_search_locations)[0], "lib")
    for file_name in _OPENBLAS_FILES:
        try:
            # A library that is missing or does not load leaves Theano on NumPy's
            # C-API BLAS rather than failing at the first compile.
            ctypes.CDLL(os.path.join(folder, file_name))
        except OSError:
            continue
        return folder
    return None


def _blas_flags():
    """Link flags for the ``scipy-openblas32`` OpenBLAS, or "" when it is not there.

    It is the OpenBLAS that SciPy's own wheels are built with (32-bit integers, like
    the engines' BLAS calls). Its routines carry the prefix ``scipy_`` so that they
    never clash with another BLAS in the process: the ``-D`` flags rename the Fortran
    names in Theano's C code (``sgemm_`` becomes ``scipy_sgemm_``). Theano adds an
    rpath for each ``-L`` folder. A folder whose path has a space or a comma cannot be
    written in the flags: then "" too.
    """
    folder = _scipy_openblas_folder()
    if folder is None or any(character in folder for character in " \t,'\""):
        return ""
    renames = " ".join(f"-D{name}={_BLAS_PREFIX}{name}" for name in _renamed_routines())
    return f"-L{folder} -lscipy_openblas {renames}"


def load():
    """Import Theano; return the engine's parts by name (see :mod:`mlp.engine`)."""
    # Theano 1.0.5 probes BLAS through numpy.distutils at import, which Python
    # 3.11's NumPy no longer has: give it explicit flags, OpenBLAS's when installed,
    # else empty (then it multiplies through NumPy's C-API, and warns). A user's own
    # blas.ldflags is kept. Theano reads THEANO_FLAGS once, at import: the variable is
    # put back as it was right after, so the process's environment is left unchanged.
    flags = os.environ.get("THEANO_FLAGS")
    if "blas.ldflags" not in (flags or "") and "blas__ldflags" not in (flags or ""):
        ldflags = _blas_flags()
        os.environ["THEANO_FLAGS"] = ",".join(filter(None, [flags, f"blas.ldflags={ldflags}"]))
    try:
        import theano
    finally:
        if flags is None:
            os.environ.pop("THEANO_FLAGS", None)
        else:
            os.environ["THEANO_FLAGS"] = flags
    import theano.tensor as tensor_module
    from theano.gof.graph import ancestors as graph_ancestors
    from theano.gradient import disconnected_grad as stop

    def executable(inputs, outputs):
        return theano.function(inputs, outputs, allow_input_downcast=True,
                               on_unused_input="ignore")

    return {
        "name": "theano",
        "version": theano.__version__,
        "tensor": tensor_module,
        "grad": theano.grad,
        "ancestors": graph_ancestors,
        "disconnected_grad": stop,
        "sigmoid": tensor_module.nnet.sigmoid,
        "softmax": tensor_module.nnet.softmax,
        "config": theano.config,
        "executable": executable,
        "jax": None,
        "device": lambda: "cpu (Theano's C backend)",
        # Theano has no setting of mlp's to scope.
        "scope": contextlib.nullcontext,
        # Theano keeps its compiled C modules in its own folder.
        "executable_to_bytes": None,
        "executable_from_bytes": None,
    }
