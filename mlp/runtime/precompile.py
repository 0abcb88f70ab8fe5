"""The background compilation of the default estimators' programs: when it starts, and
how one process at a time runs it.

With sizes rounded up to buckets (:mod:`mlp.runtime.shapes`), the default
``MLPClassifier`` and ``MLPRegressor`` need one training program per bucket of
columns and classes on a table of 201 to 4,095 rows, and per bucket of rows too on a
smaller one. The first time a process of a user compiles a program, mlp starts ONE
background process (:func:`start`), at the lowest priority and each program only
while the user's process is idle (:mod:`mlp.runtime.background`), that compiles those of
the common buckets (``mlp.precompile``: the drop-ins' and the tabular estimators')
into mlp's cache folder. A later fit
of a new table, in this process or another, then loads its program instead of
waiting for XLA.

It runs once per version of mlp and its engine (a marker file in the folder says it
is done, a lock file that it is running), writes only into mlp's own folder, and
takes about half a second of one core per program. ``MLP_PRECOMPILE=0`` turns it
off; ``python -m mlp.precompile`` runs it in the foreground.
"""

import json
import os
import subprocess
import sys
import time

__all__ = ["start", "finish", "enabled", "lock_file", "LOCK"]

#: The lock file's name in the cache folder, there while a background process compiles
#: the drop-ins' programs (the tabular ones have their own, :func:`lock_file`).
LOCK = "precompiling.lock"
# A lock older than this is left by a process that died: it is taken over.
_STALE_SECONDS = 600


def enabled():
    """Whether the background compilation may start (``MLP_PRECOMPILE`` is not 0)."""
    return os.environ.get("MLP_PRECOMPILE", "1").strip().lower() not in ("0", "false", "no", "off")


def _marker(folder, digest, programs):
    prefix = "precompiled-" if programs == "dropins" else f"precompiled-{programs}-"
    return folder / f"{prefix}{digest[:16]}"


def lock_file(folder, programs="dropins"):
    """The lock file of the background compilation of ``programs`` in ``folder``."""
    return folder / (LOCK if programs == "dropins" else f"precompiling-{programs}.lock")


def start(folder, digest, shapes=None, programs="dropins", beside=0):
    """Start the background compilation of ``programs`` (a list of :mod:`mlp.precompile`:
    ``"dropins"``, the default estimators', or ``"tabular"``) into ``folder`` unless it
    is off, done for this ``digest`` (mlp's source and engine) or already running;
    returns whether it started. ``shapes``: those to compile instead of the list's;
    ``beside``: how many of the first compile as soon as the user's process leaves a
    CPU free (the others only once it is idle: :mod:`mlp.runtime.background`).
    Never raises: the background work is only a head start."""
    if not enabled() or _marker(folder, digest, programs).exists():
        return False
    lock = lock_file(folder, programs)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if lock.exists() and time.time() - lock.stat().st_mtime < _STALE_SECONDS:
            return False
        lock.write_text(str(os.getpid()))
        environment = dict(os.environ, MLP_PRECOMPILE="0")
        command = [sys.executable, "-m", "mlp.precompile", "--background", "--programs", programs]
        if shapes is not None:
            command += ["--shapes", json.dumps([list(shape) for shape in shapes])]
        if beside:
            command += ["--beside", str(beside)]
        subprocess.Popen(command, env=environment, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    except OSError:
        return False
    return True


def finish(folder, digest, done, programs="dropins"):
    """End a background compilation of ``programs``: mark it ``done`` for ``digest``,
    remove its lock."""
    try:
        if done:
            _marker(folder, digest, programs).write_text("")
        lock_file(folder, programs).unlink()
    except OSError:
        pass
