"""How much memory a new allocation may take, and the check that refuses a training
matrix too large for it.

The machine's figure (Linux's ``MemAvailable``) ignores the limit of a container, a
Dask worker's cgroup or a systemd slice: past that limit the kernel kills the process
rather than failing an allocation. :func:`available_memory` therefore also reads the
memory limits of the process's control group and of its ancestors (cgroup v2's
``memory.max``, v1's ``memory.limit_in_bytes``) and takes the least headroom.
"""

import os

import numpy

__all__ = ["available_memory", "check_fits_in_memory"]

# The files are read under this folder: "/" but in tests.
_ROOT = "/"
# A limit this large (1 EiB) is no limit: cgroup v1 shows "unlimited" as 2**63 less a page.
_NO_LIMIT = 1 << 60
# Per cgroup version: where its hierarchy is mounted, the files holding the limit and
# the usage, and the memory.stat entry of the page cache the kernel reclaims first
# (counted in the usage, but not in the way of a new allocation).
_V2 = ("sys/fs/cgroup", "memory.max", "memory.current", "inactive_file")
_V1 = ("sys/fs/cgroup/memory", "memory.limit_in_bytes", "memory.usage_in_bytes",
       "total_inactive_file")


def available_memory():
    """Bytes of memory a new allocation can take without swapping or the process being
    killed, or None if unknown.

    The least of the machine's available memory (Linux's ``MemAvailable``; elsewhere
    the free physical pages) and, for the process's control group and each of its
    ancestors with a memory limit, the limit less the memory in use (less the
    inactive page cache, which the kernel reclaims before it runs out).
    """
    found = [value for value in (_machine_available(), _cgroup_headroom()) if value is not None]
    return min(found) if found else None


def check_fits_in_memory(name, shape, dtype):
    """Refuse an array of ``shape`` and ``dtype`` larger than half the available memory.

    Raises
    ------
    MemoryError
        Naming the array, its size and the memory available.
    """
    needed = int(numpy.prod(shape)) * numpy.dtype(dtype).itemsize
    available = available_memory()
    if available is not None and needed > available / 2:
        smaller = " or in float32 (dtype='float32')" if numpy.dtype(dtype).itemsize > 4 else ""
        raise MemoryError(
            f"Training on `{name}` needs a {shape[0]} x {shape[1]} {numpy.dtype(dtype).name} "
            f"matrix of {_size(needed)}, more than half of the {_size(available)} of memory "
            f"available. Train on fewer rows at a time (partial_fit over chunks){smaller}."
        )


def _size(count):
    return f"{count / 1e9:.2f} GB" if count >= 1e9 else f"{count / 1e6:.1f} MB"


def _path(*parts):
    return os.path.join(_ROOT, *parts)


def _machine_available():
    try:
        with open(_path("proc", "meminfo")) as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _cgroup_headroom():
    """The least memory left below a limit of the process's cgroup or an ancestor's,
    or None when no limit applies (or there are no cgroups: not Linux)."""
    try:
        with open(_path("proc", "self", "cgroup")) as lines:
            memberships = lines.read().splitlines()
    except OSError:
        return None
    headrooms = []
    for line in memberships:
        # "hierarchy-ID:controllers:path"; v2's unified hierarchy is "0::path".
        hierarchy, _, rest = line.partition(":")
        controllers, _, group = rest.partition(":")
        if hierarchy == "0" and not controllers:
            headrooms += _headrooms(group, *_V2)
        elif "memory" in controllers.split(","):
            headrooms += _headrooms(group, *_V1)
    return min(headrooms) if headrooms else None


def _headrooms(group, mount, limit_file, usage_file, inactive_entry):
    """The headroom under each limit set on ``group`` or its ancestors in one hierarchy.

    A path that leaves the hierarchy's root (``/..``: a cgroup outside the namespace's)
    or is not mounted here (a container that sees its own cgroup as the root) goes up
    to the folders that exist: their limits are the ones that apply.
    """
    parts = [part for part in group.strip().split("/") if part not in ("", ".")]
    if ".." in parts:
        parts = []
    found = []
    for depth in range(len(parts), -1, -1):
        folder = _path(mount, *parts[:depth])
        limit = _read_bytes(os.path.join(folder, limit_file))
        usage = _read_bytes(os.path.join(folder, usage_file))
        if limit is None or usage is None:
            continue
        in_use = max(usage - _stat_entry(os.path.join(folder, "memory.stat"), inactive_entry), 0)
        found.append(max(limit - in_use, 0))
    return found


def _read_bytes(path):
    """The byte count in ``path``, or None when it is missing, "max" or absurd."""
    try:
        with open(path) as handle:
            value = int(handle.read().strip())
    except (OSError, ValueError):
        return None
    return value if 0 <= value < _NO_LIMIT else None


def _stat_entry(path, entry):
    """Entry ``entry`` of a cgroup's memory.stat, 0 when missing."""
    try:
        with open(path) as handle:
            for line in handle:
                key, _, value = line.partition(" ")
                if key == entry:
                    return int(value)
    except (OSError, ValueError):
        pass
    return 0
