"""Peak memory of a large fit: mlp's MLPClassifier beside scikit-learn's.

Each measurement is a fresh Python process (this module run with ``--child``) that
imports its library, makes a float32 ``X`` of ``rows x features`` (100,000 x 256 by
default, 102 MB; random values and 10 labels from a fixed seed), notes its resident
memory, then fits ``MLPClassifier(hidden_layer_sizes=(256,), max_iter=2,
batch_size=256)`` and reads the process's peak resident memory
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``). The figure reported is that peak minus
the memory resident just before ``fit``: what the fit itself added, in MB and in
multiples of ``X``'s size.

Why resident memory and not ``tracemalloc``: JAX and XLA allocate outside Python's
allocator (device buffers, compiled code), so only the operating system's count sees
every copy. mlp runs twice: with an empty compile cache (the first fit compiles; the
compiler's memory is part of the peak) and with the cache that run filled. A sparse
variant (CSR, about 5% of the entries set) shows the cost of densifying.
``python -m benchmarks.memory [--rows N --features F]`` prints the Markdown section;
``python -m benchmarks`` puts it in ``benchmarks/results.md``.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["CASES", "make_data", "run_child", "measure", "main"]

ROOT = Path(__file__).resolve().parent.parent
CASES = ("mlp.MLPClassifier", "scikit-learn")
FORMATS = ("dense", "sparse")
N_CLASSES = 10
SEED = 0
TIMEOUT_SECONDS = 1800
MEGABYTE = 1e6


def make_data(rows, features, data_format, density=0.05, seed=SEED):
    """``(X, y)``: float32 ``X`` (dense, or CSR with ``density`` of its entries set)
    and labels of :data:`N_CLASSES` classes, from ``seed``.

    Built without temporaries larger than a few MB, so that making the data does not
    raise the process's peak above what it then holds.
    """
    import numpy
    from scipy import sparse

    generator = numpy.random.default_rng(seed)
    y = generator.integers(0, N_CLASSES, size=rows)
    if data_format == "dense":
        return generator.standard_normal((rows, features), dtype=numpy.float32), y
    per_row = max(1, round(density * features))
    indices = numpy.empty((rows, per_row), dtype=numpy.int32)
    columns = numpy.arange(features, dtype=numpy.int32)
    for start in range(0, rows, 10_000):
        block = generator.permuted(numpy.tile(columns, (min(10_000, rows - start), 1)), axis=1)
        indices[start:start + len(block)] = numpy.sort(block[:, :per_row], axis=1)
    values = generator.standard_normal(rows * per_row, dtype=numpy.float32)
    row_starts = numpy.arange(0, rows * per_row + 1, per_row, dtype=numpy.int32)
    return sparse.csr_matrix((values, indices.ravel(), row_starts), shape=(rows, features)), y


def _resident_bytes():
    """The process's resident memory now (Linux ``/proc``; else its peak so far)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return _peak_bytes()


def _peak_bytes():
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KB on Linux


def _child(case, rows, features, data_format):
    import gc
    import warnings

    if case == "mlp.MLPClassifier":
        from mlp import MLPClassifier
    else:
        from sklearn.neural_network import MLPClassifier
    X, y = make_data(rows, features, data_format)
    gc.collect()
    before, peak_before = _resident_bytes(), _peak_bytes()
    model = MLPClassifier(hidden_layer_sizes=(256,), max_iter=2, batch_size=256, random_state=0)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # two epochs do not converge
        model.fit(X, y)
    fit_seconds = time.perf_counter() - started
    x_bytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes if data_format == "sparse" else X.nbytes
    print(json.dumps({"case": case, "format": data_format, "rows": rows, "features": features,
                      "x_bytes": x_bytes, "before_bytes": before, "peak_before_bytes": peak_before,
                      "peak_bytes": _peak_bytes(), "fit_seconds": fit_seconds}))


def run_child(case, data_format, rows, features, cache_folder, base=None):
    """One measurement in a new interpreter whose compile caches live in ``cache_folder``.

    Returns
    -------
    dict
        ``case``, ``format``, ``rows``, ``features``, ``x_bytes`` (what ``X`` holds),
        ``before_bytes`` (resident just before ``fit``), ``peak_before_bytes`` and
        ``peak_bytes`` (the process's peak before and after ``fit``), ``fit_seconds``.

    Raises
    ------
    RuntimeError
        When the child fails; the message ends with its standard error.
    """
    from benchmarks.first_fit import child_environment, parse_child_output, wait_for_background_compilation

    command = [sys.executable, "-m", "benchmarks.memory", "--child", case, "--format", data_format,
               "--rows", str(rows), "--features", str(features)]
    completed = subprocess.run(command, cwd=ROOT, env=child_environment(cache_folder, base),
                               capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
    wait_for_background_compilation(cache_folder)
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {completed.returncode}:\n"
                           f"{completed.stderr[-3000:]}")
    return parse_child_output(completed.stdout)


def measure(rows=100_000, features=256, formats=FORMATS, base=None, log=print):
    """Every case and format in fresh processes; mlp with an empty, then a filled cache.

    Returns
    -------
    dict
        ``rows``, ``features``, ``dense_bytes`` (a dense float32 ``X``'s size) and
        ``runs``: one dict per process (:func:`run_child`'s, plus ``cache``: ``"empty"``,
        ``"filled"`` or ``"none"`` for scikit-learn, and ``added_bytes``: the peak minus
        the memory resident before ``fit``).
    """
    runs = []
    with tempfile.TemporaryDirectory(prefix="mlp-memory-") as scratch:
        for data_format in formats:
            for case in CASES:
                folder = Path(scratch) / f"{data_format}-{case.replace('.', '-')}"
                states = ("empty", "filled") if case == "mlp.MLPClassifier" else ("none",)
                for state in states:
                    result = run_child(case, data_format, rows, features, folder, base)
                    result["cache"] = state
                    result["added_bytes"] = result["peak_bytes"] - result["before_bytes"]
                    runs.append(result)
                    log(f"  {case:18s} {data_format:6s} cache {state:6s}: peak "
                        f"{result['peak_bytes'] / MEGABYTE:.0f} MB, added by fit "
                        f"{result['added_bytes'] / MEGABYTE:.0f} MB")
    return {"rows": rows, "features": features, "dense_bytes": rows * features * 4, "runs": runs}


def main(argv=None):
    """``python -m benchmarks.memory``: measure and print the Markdown section (or, with
    ``--child``, be one measured process)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=CASES, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--format", choices=FORMATS, default="dense", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=256)
    arguments = parser.parse_args(argv)
    for name in ("rows", "features"):
        if getattr(arguments, name) < 1:
            parser.error(f"--{name} must be at least 1. Received: --{name}={getattr(arguments, name)}")
    if arguments.child:
        _child(arguments.child, arguments.rows, arguments.features, arguments.format)
        return 0
    from benchmarks import report

    result = measure(arguments.rows, arguments.features)
    print("\n".join(report.memory_section(result)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
