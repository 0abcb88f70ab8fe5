"""The folder of compiled programs on disk: one file per program and call shape, bounded
in size, least recently used files removed first.

The folder is ``$MLP_CACHE_DIR/programs`` (default ``~/.cache/mlp/programs``, or under
``$XDG_CACHE_HOME``). A file holds a compiled XLA executable as
:func:`mlp.engine.executable_to_bytes` makes it, after a header and the SHA-256 of those
bytes: a file whose digest does not match is damaged, and is never handed to the
engine (:func:`read` returns None, and the program is compiled again). Reading a file
marks it used (its modification time), so that :func:`evict` removes the files
unused longest. Writes are atomic: two processes compiling side by side each write a
temporary file of their own, and a reader sees a whole file or none.
"""

import hashlib
import os
from pathlib import Path

from mlp.atomic_file import write_atomically

__all__ = ["DISK_LIMIT", "folder", "read", "write", "evict", "clear"]

#: The most bytes the folder holds; beyond it, the least recently used files go. An
#: executable of the default MLPClassifier's training is about 0.1 MB.
DISK_LIMIT = 256 * 2**20

SUFFIX = ".executable"
_HEADER = b"mlp compiled program 1\n"
_DIGEST_BYTES = hashlib.sha256().digest_size
# Files that earlier versions of mlp left in the folder (serialized jax.export modules),
# and temporary files of writes that never finished.
_OTHER_SUFFIXES = (".jaxprogram", ".partial")


def folder():
    """The folder of the compiled programs, read from the environment at each call."""
    base = os.environ.get("MLP_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "mlp")
    return Path(base) / "programs"


def read(path):
    """The contents written to ``path`` by :func:`write`, or None when the file is
    missing, unreadable or damaged. A file read is marked used."""
    try:
        contents = path.read_bytes()
    except OSError:
        return None
    payload = contents[len(_HEADER) + _DIGEST_BYTES:]
    digest = contents[len(_HEADER):len(_HEADER) + _DIGEST_BYTES]
    if not contents.startswith(_HEADER) or hashlib.sha256(payload).digest() != digest:
        return None
    try:
        os.utime(path)
    except OSError:
        pass  # another process removed it meanwhile: the contents are whole all the same
    return payload


def write(path, payload):
    """Write ``payload`` to ``path`` with its header and digest, then bound the folder.

    A folder that cannot be written only costs the next process a compilation: the
    error is not raised.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Not flushed to the disk: a file lost in a power cut is compiled again.
        write_atomically(path, _HEADER + hashlib.sha256(payload).digest() + payload, durable=False)
    except OSError:
        return
    evict(path.parent)


def evict(location, limit=None):
    """Remove the least recently used files of ``location`` until it holds at most
    ``limit`` bytes (default :data:`DISK_LIMIT`); temporary files being written are kept."""
    limit = DISK_LIMIT if limit is None else limit
    files = []
    try:
        with os.scandir(location) as entries:
            for entry in entries:
                if entry.is_file() and not entry.name.endswith(".partial"):
                    status = entry.stat()
                    files.append((status.st_mtime, status.st_size, entry.path))
    except OSError:
        return
    total = sum(size for _, size, _ in files)
    for _, size, path in sorted(files):
        if total <= limit:
            break
        try:
            os.remove(path)
        except OSError:
            continue
        total -= size


def clear(location=None):
    """Remove every compiled program from ``location`` (default :func:`folder`)."""
    location = folder() if location is None else Path(location)
    suffixes = (SUFFIX,) + _OTHER_SUFFIXES
    try:
        # And the marker of the background compilation (mlp.runtime.precompile), which
        # then runs again.
        paths = [path for path in location.iterdir()
                 if path.name.endswith(suffixes) or path.name.startswith("precompiled-")]
    except OSError:
        return
    for path in paths:
        try:
            path.unlink()
        except OSError:
            pass
