"""Save and load networks safely: one ``.npz`` file of numeric arrays and a JSON header.

The file format (:mod:`mlp.model_file`) is a plain NumPy ``.npz`` archive that
:func:`numpy.load` opens with ``allow_pickle=False``: every array is numeric, and the
header (what the network is, which format and library wrote it) is JSON text. Loading
a file therefore never runs code from it, and a model saved under one engine (PyTensor
or Theano) loads under the other. Saving is atomic. Loading checks everything it reads
and raises :class:`ModelFileError`, naming the file and the problem, for a file that is
not a readable model. What a network puts in the file is :mod:`mlp.network_file`'s.

Examples
--------
>>> network = FeedForwardNetwork([2, 3, 2], random_state=0)
>>> network.initialize()
>>> save_network(network, "xor.npz")  # doctest: +SKIP
>>> restored = load_network("xor.npz")  # doctest: +SKIP
"""

from mlp import network_file
from mlp.model_file import FORMAT_VERSION, ModelFileError, read_model, write_model
from mlp.network import FeedForwardNetwork
from mlp.network_file import write_network

__all__ = [
    "FORMAT_VERSION", "ModelFileError", "write_model", "read_model", "save_network",
    "load_network", "network_from_contents",
]


def save_network(network, path):
    """Save an initialized network's settings and parameters to one ``.npz`` file.

    Parameters
    ----------
    network : FeedForwardNetwork
        Initialized (``initialize()`` was called), trained or not.
    path : str or pathlib.Path
        The file to write, atomically (see :func:`write_model`).

    Raises
    ------
    NotInitializedError
        When ``network.initialize()`` has not been called.

    Examples
    --------
    >>> network = FeedForwardNetwork([2, 2, 2], random_state=0)
    >>> network.initialize()
    >>> save_network(network, "model.npz")  # doctest: +SKIP
    """
    if not isinstance(network, FeedForwardNetwork):
        raise TypeError(f"`network` must be a FeedForwardNetwork. Received: network={network!r}")
    write_network(network, path)


def load_network(path):
    """Load a network saved by :func:`save_network`.

    The network is built from the header, initialized (compiled), and given the
    saved weights and biases; its predictions equal the saved network's. A file
    saved under one engine loads under the other.

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    FeedForwardNetwork
        Initialized, with the saved parameters and zero momentum.

    Raises
    ------
    FileNotFoundError
        When there is no file at ``path``.
    ModelFileError
        When the file is not a readable model: not an npz archive, truncated,
        corrupted, another format version, an invalid header, or an array missing,
        of the wrong shape or not finite. The message names the file and the problem.

    Examples
    --------
    >>> network = load_network("model.npz")  # doctest: +SKIP
    >>> network.classify([[0., 1.]])  # doctest: +SKIP
    array([1])
    """
    return network_from_contents(path, *read_model(path))


def network_from_contents(path, header, arrays):
    """Build the network that a file's ``header`` and ``arrays`` (from :func:`read_model`)
    describe; ``path`` only names the file in error messages."""
    return network_file.network_from_contents(FeedForwardNetwork, path, header, arrays)
