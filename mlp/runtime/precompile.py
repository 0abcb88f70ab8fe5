"""The default estimators' programs, compiled ahead into the disk cache, in the background.

With sizes rounded up to buckets (:mod:`mlp.runtime.shapes`), the default
``MLPClassifier`` and ``MLPRegressor`` need one training program per bucket of
columns and classes on a table of 201 to 4,095 rows, and per bucket of rows too on a
smaller one. The first time a process of a
user compiles a program, mlp starts ONE background process (:func:`start`), at the
lowest priority, that compiles those of the common buckets (:data:`DEFAULT_SHAPES`)
into mlp's cache folder, each by a one-epoch fit on a stand-in table, so that it is
exactly what a real fit compiles. A later fit of a new table, in this process or
another, then loads its program instead of waiting for XLA.

It runs once per version of mlp and its engine (a marker file in the folder says it
is done, a lock file that it is running), writes only into mlp's own folder, and
takes about half a second of one core per program. ``MLP_PRECOMPILE=0`` turns it
off; ``python -m mlp.runtime.precompile`` runs it in the foreground.
"""

import json
import os
import subprocess
import sys
import time
import warnings

import numpy

__all__ = ["DEFAULT_SHAPES", "start", "run", "enabled"]

_KINDS = (("classifier", 2), ("regressor", 0), ("classifier", 4))
# Tables of 201 to 4,095 rows train on minibatches from a matrix of 4,096 rows; smaller
# ones on full batches of their padded rows (256 for 128 to 255 rows, 128 below).
_MINIBATCH_ROWS, _FULL_BATCH_ROWS = 1000, (200, 100)
#: ``(kind, rows, columns, classes)`` in the order they are compiled, the most common
#: tables first: a classifier of two classes, a regressor and a classifier of three or
#: four classes, of 8, 16 and 32 columns; the same on full batches of 256 rows; then
#: the other buckets of columns up to 128, and full batches of 128 rows.
DEFAULT_SHAPES = (
    tuple((kind, _MINIBATCH_ROWS, columns, classes) for columns in (8, 16, 32)
          for kind, classes in _KINDS)
    + tuple((kind, _FULL_BATCH_ROWS[0], columns, classes) for columns in (8, 16, 32)
            for kind, classes in _KINDS)
    + tuple((kind, _MINIBATCH_ROWS, columns, classes)
            for columns in (24, 20, 28, 64, 40, 48, 56, 4, 80, 96, 112, 128)
            for kind, classes in _KINDS)
    + tuple((kind, _FULL_BATCH_ROWS[1], columns, classes) for columns in (8, 16, 32)
            for kind, classes in _KINDS)
)
# A lock older than this is left by a process that died: it is taken over.
_STALE_SECONDS = 600


def enabled():
    """Whether the background compilation may start (``MLP_PRECOMPILE`` is not 0)."""
    return os.environ.get("MLP_PRECOMPILE", "1").strip().lower() not in ("0", "false", "no", "off")


def _marker(folder, digest):
    return folder / f"precompiled-{digest[:16]}"


def start(folder, digest, shapes=None):
    """Start the background compilation into ``folder`` unless it is off, done for
    this ``digest`` (mlp's source and engine) or already running; returns whether it
    started. ``shapes``: those to compile (default :data:`DEFAULT_SHAPES`). Never
    raises: the background work is only a head start."""
    if not enabled() or _marker(folder, digest).exists():
        return False
    lock = folder / "precompiling.lock"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if lock.exists() and time.time() - lock.stat().st_mtime < _STALE_SECONDS:
            return False
        lock.write_text(str(os.getpid()))
        environment = dict(os.environ, MLP_PRECOMPILE="0")
        command = [sys.executable, "-m", "mlp.runtime.precompile", "--background"]
        if shapes is not None:
            command += ["--shapes", json.dumps([list(shape) for shape in shapes])]
        subprocess.Popen(command,
                         env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        return False
    return True


def _stand_in(kind, rows, columns, classes):
    """A table of zeros, and its target."""
    X = numpy.zeros((rows, columns))
    if kind == "regressor":
        return X, numpy.zeros(rows)
    return X, numpy.arange(rows) % classes


def run(shapes=DEFAULT_SHAPES):
    """Compile (or load) the programs of the default estimators for ``shapes`` (as in
    :data:`DEFAULT_SHAPES`) in this process, each by a one-epoch fit on a stand-in
    table. Returns how many it compiled."""
    import mlp
    from mlp.runtime import programs

    before = programs.counts()["compiles"]
    for kind, rows, columns, classes in shapes:
        estimator = mlp.MLPClassifier if kind == "classifier" else mlp.MLPRegressor
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            estimator(max_iter=1, random_state=0).fit(*_stand_in(kind, rows, columns, classes))
    return programs.counts()["compiles"] - before


def _background(shapes):
    try:
        os.nice(19)  # a user's own work always goes first
    except OSError:
        pass
    from mlp.runtime import program_files, programs

    folder = program_files.folder()
    try:
        run(shapes)
        _marker(folder, programs.source_digest()).write_text("")
    finally:
        try:
            (folder / "precompiling.lock").unlink()
        except OSError:
            pass


def _main(arguments):
    shapes = DEFAULT_SHAPES
    if "--shapes" in arguments:
        shapes = [tuple(shape) for shape in json.loads(arguments[arguments.index("--shapes") + 1])]
    if "--background" in arguments:
        _background(shapes)
    else:
        print(f"compiled {run(shapes)} programs")


if __name__ == "__main__":
    _main(sys.argv[1:])
