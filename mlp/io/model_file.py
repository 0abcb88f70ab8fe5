"""The model file: one ``.npz`` file of numeric arrays and a JSON header.

The file is a plain NumPy ``.npz`` archive that :func:`numpy.load` opens with
``allow_pickle=False``: every array is numeric, and the header (what the network is,
which format and library wrote it) is JSON text stored as a ``uint8`` array under the
key ``__header__``. Loading a file therefore never runs code from it, and a model saved
under one engine (PyTensor or Theano) loads under the other.

Saving is atomic: the archive is written to a temporary file in the target's folder
and renamed onto the target, so a crash or an error during a save leaves the previous
file as it was (:func:`mlp.atomic_file.write_atomically`). Loading checks everything
it reads and raises :class:`ModelFileError`, naming the file and the problem, for a
file that is not a readable model.

What a network or an estimator puts in it is :mod:`mlp.io.network_file`'s and
:mod:`mlp.io.estimator_file`'s business.
"""

import errno
import json
import pathlib
import zipfile

import numpy

from mlp import engine
from mlp.atomic_file import write_atomically
from mlp.version import __version__

__all__ = ["FORMAT_VERSION", "ModelFileError", "model_file_error", "write_model", "read_model"]

# Bump when a change to the layout would make older readers misread newer files.
FORMAT_VERSION = 1

_HEADER_KEY = "__header__"
# numpy.savez takes the arrays as keyword arguments after these parameter names.
_RESERVED_NAMES = (_HEADER_KEY, "file", "allow_pickle")
# Numeric dtype kinds: boolean, signed and unsigned integer, float, complex.
_NUMERIC_KINDS = "biufc"
# The first bytes numpy.load looks for: a zip archive (npz), or a single npy array.
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
_NPY_SIGNATURE = b"\x93NUMPY"
# What numpy.load and zipfile raise on a file that is truncated, corrupted or not an npz.
_READ_ERRORS = (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError)


class ModelFileError(ValueError):
    """A file is not a readable mlp model file: corrupted, truncated, or inconsistent."""


def model_file_error(path, reason):
    """The :class:`ModelFileError` for the file at ``path``, saying what is wrong."""
    return ModelFileError(f"{path} is not a readable mlp model file: {reason}")


def _encode_header(header):
    """Return ``header`` with the format, library and engine, as JSON in a uint8 array."""

    if not isinstance(header, dict):
        raise TypeError(f"`header` must be a dict. Received: header={header!r}")
    full_header = dict(header)
    full_header.update(format_version=FORMAT_VERSION, library_version=__version__, engine=engine.name)
    # Strict JSON (no NaN) so that any JSON reader, not only Python's, can read it.
    text = json.dumps(full_header, allow_nan=False, sort_keys=True)
    return numpy.frombuffer(text.encode("utf-8"), dtype=numpy.uint8)


def _check_arrays(arrays):
    """Refuse names numpy.savez cannot store and arrays that would need pickle."""
    if not isinstance(arrays, dict):
        raise TypeError(f"`arrays` must be a dict of name -> ndarray. Received: arrays={arrays!r}")
    checked = {}
    for name, value in arrays.items():
        if not isinstance(name, str) or name in _RESERVED_NAMES:
            raise ValueError(
                f"Received an invalid array name, expected a string other than "
                f"{list(_RESERVED_NAMES)}. Received: name={name!r}"
            )
        array = numpy.asarray(value)
        if array.dtype.kind not in _NUMERIC_KINDS:
            raise TypeError(
                f"Array `{name}` must be numeric (it is stored without pickle). "
                f"Received: {name} of dtype {array.dtype}"
            )
        checked[name] = array
    return checked


def write_model(path, header, arrays):
    """Write a header and numeric arrays to one ``.npz`` file, atomically.

    Parameters
    ----------
    path : str or pathlib.Path
        The file to write; ``.npz`` is not appended. An existing file is replaced
        only once the new one is completely written.
    header : dict
        JSON-serialisable description of the arrays. ``format_version``,
        ``library_version`` and ``engine`` are added (and override any given).
    arrays : dict of str -> ndarray
        Numeric arrays. The names ``__header__``, ``file`` and ``allow_pickle`` are
        reserved.

    Raises
    ------
    TypeError
        When ``header`` is not a dict, does not convert to JSON, or an array is not
        numeric.
    ValueError
        When an array name is reserved, or the header holds NaN or infinity.
    OSError
        When the file cannot be written; the previous file, if any, is left as it was.
    """
    path = pathlib.Path(path)
    contents = _check_arrays(arrays)
    contents[_HEADER_KEY] = _encode_header(header)
    # An open file object, not a name: savez would append ".npz" to a name.
    write_atomically(path, lambda handle: numpy.savez(handle, **contents))


def _check_signature(path):
    """Refuse a file that starts as neither a zip archive nor an npy array.

    numpy.load takes any other file for a pickle, and its refusal would then suggest
    loading the file unsafely: wrong advice for a file that is simply not a model.
    """
    try:
        with open(path, "rb") as handle:
            start = handle.read(len(_NPY_SIGNATURE))
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, "No mlp model file", str(path)) from None
    except OSError as error:
        raise model_file_error(path, f"{type(error).__name__}: {error}") from error
    if not start:
        raise model_file_error(path, "the file is empty")
    if not start.startswith(_ZIP_SIGNATURES + (_NPY_SIGNATURE,)):
        raise model_file_error(path, f"it is not an npz (zip) archive: it starts with {start!r}")


def _load_archive(path):
    """Return every array of the npz file at ``path``, read completely."""
    _check_signature(path)
    try:
        loaded = numpy.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, "No mlp model file", str(path)) from None
    except _READ_ERRORS as error:
        raise model_file_error(path, f"{type(error).__name__}: {error}") from error
    if not isinstance(loaded, numpy.lib.npyio.NpzFile):
        raise model_file_error(path, "it holds a single array, not an npz archive")
    try:
        with loaded:
            # Read every array now: numpy reads lazily, and the zip CRC check that
            # catches corrupted bytes runs only when an array is read to its end.
            return {name: loaded[name] for name in loaded.files}
    except _READ_ERRORS as error:
        raise model_file_error(path, f"{type(error).__name__}: {error}") from error


def _decode_header(path, contents):
    """Return the header dict stored under ``__header__``, checking its format version."""
    if _HEADER_KEY not in contents:
        raise model_file_error(path, f"it has no `{_HEADER_KEY}` array")
    encoded = contents.pop(_HEADER_KEY)
    if encoded.dtype != numpy.uint8 or encoded.ndim != 1:
        raise model_file_error(
            path, f"`{_HEADER_KEY}` must be a 1-D uint8 array. Found: dtype {encoded.dtype}, "
                  f"shape {encoded.shape}"
        )
    try:
        header = json.loads(encoded.tobytes().decode("utf-8"))
    except ValueError as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise model_file_error(path, f"its header is not valid JSON ({error})") from error
    if not isinstance(header, dict):
        raise model_file_error(path, f"its header must be a JSON object. Found: {header!r}")
    version = header.get("format_version")
    if isinstance(version, bool) or version != FORMAT_VERSION:
        raise model_file_error(
            path, f"format_version {version!r} is not supported (this version of mlp reads "
                  f"format_version {FORMAT_VERSION})"
        )
    return header


def read_model(path):
    """Read a file written by :func:`write_model`.

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    header : dict
        The header, with ``format_version``, ``library_version`` and ``engine``.
    arrays : dict of str -> ndarray
        Every array but the header.

    Raises
    ------
    FileNotFoundError
        When there is no file at ``path``.
    ModelFileError
        When the file is not an npz archive, is truncated or corrupted, has no valid
        JSON header, or was written in another format version.
    """
    contents = _load_archive(path)
    header = _decode_header(path, contents)
    return header, contents
