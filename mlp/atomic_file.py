"""Writing a file so that a reader sees the whole of it or none of it.

:func:`write_atomically` writes to a temporary file in the target's folder and renames
it onto the target: an error, a crash or Ctrl-C during the write leaves the previous
file as it was and no temporary file behind. The model file (``mlp.io.model_file``)
writes through it. It imports nothing of mlp.
"""

import errno
import os
import pathlib
import secrets

__all__ = ["write_atomically"]

# Attempts at a temporary name before giving up (each is 64 random bits).
_NAME_ATTEMPTS = 100


def write_atomically(path, contents, *, durable=True):
    """Write ``contents`` to ``path``, replacing any file there only once it is complete.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write. Its folder must exist.
    contents : bytes-like, or callable
        The bytes to write, or ``contents(handle)`` that writes them to an open binary
        file object (``lambda handle: numpy.savez(handle, **arrays)``).
    durable : bool, default True
        Flush the file and the rename to the disk (``fsync``) before returning, so that
        a power cut after the call keeps the new file. A cache that can be rebuilt may
        skip it.

    Notes
    -----
    Two processes writing the same path at once each write a temporary file of their
    own (``.<name>.<random>.partial``); the last rename wins, and a reader sees one
    whole file. A replaced file keeps its permissions (the temporary file never has
    more while it is written); a new file gets those a plain ``open(path, "w")``
    gives, without reading the umask (POSIX allows that only by setting it,
    process-wide).

    Raises
    ------
    OSError
        When the file cannot be written; the previous file, if any, is left as it was.
    """
    path = pathlib.Path(path)
    folder = path.parent
    existing_mode = _existing_mode(path)
    creation_mode = 0o666 if existing_mode is None else existing_mode & 0o777
    temporary, handle = _create_temporary(folder, path.name, creation_mode)
    try:
        with handle:
            if callable(contents):
                contents(handle)
            else:
                handle.write(contents)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if existing_mode is not None:
            # The umask may have taken bits off the creation mode: put them back.
            os.chmod(temporary, existing_mode)
        os.replace(temporary, path)
    except BaseException:
        # Also on KeyboardInterrupt: the target is untouched, the half-written file goes.
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    if durable:
        _fsync_folder(folder)


def _fsync_folder(folder):
    """Make the rename itself durable; only POSIX can open a folder for fsync."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _existing_mode(path):
    """The permission bits of the file at ``path``, or None when there is none."""
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        return None


def _create_temporary(folder, name, mode):
    """Create a new file in ``folder`` with permissions ``mode`` less the umask, and
    return its path and a binary file object.

    The system applies the umask (and a folder's default ACL) as for any new file:
    with ``mode=0o666`` the file gets what a plain ``open(path, "w")`` gives.
    (``tempfile`` would create it readable by its owner only.)
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(_NAME_ATTEMPTS):
        candidate = folder / f".{name}.{secrets.token_hex(8)}.partial"
        try:
            descriptor = os.open(candidate, flags, mode)
        except FileExistsError:
            continue
        return candidate, os.fdopen(descriptor, "wb")
    raise FileExistsError(errno.EEXIST, "No free temporary file name", str(folder))
