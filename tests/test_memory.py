"""The memory check (mlp.runtime.memory): the machine's available memory, and the
limits of the process's cgroup (v2 and v1), read from fake files under tmp_path."""

import pytest

from mlp.runtime import memory

GB = 1 << 30
MEMINFO = "MemTotal:       65536000 kB\nMemFree:         1000000 kB\nMemAvailable:   {} kB\n"


@pytest.fixture
def root(tmp_path, monkeypatch):
    """A fake file tree: ``root(path, text)`` writes a file under it, and
    mlp.runtime.memory reads from it."""
    monkeypatch.setattr(memory, "_ROOT", str(tmp_path))

    def write(path, text):
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    write("proc/meminfo", MEMINFO.format(16 * GB // 1024))
    return write


def test_without_cgroups_the_machines_available_memory_counts(root):
    assert memory.available_memory() == 16 * GB


def test_a_cgroup_v2_limit_below_the_machines_memory_counts(root):
    root("proc/self/cgroup", "0::/\n")
    root("sys/fs/cgroup/memory.max", f"{4 * GB}\n")
    root("sys/fs/cgroup/memory.current", f"{1 * GB}\n")
    assert memory.available_memory() == 3 * GB


def test_the_inactive_page_cache_does_not_count_as_used(root):
    root("proc/self/cgroup", "0::/\n")
    root("sys/fs/cgroup/memory.max", f"{4 * GB}\n")
    root("sys/fs/cgroup/memory.current", f"{3 * GB}\n")
    root("sys/fs/cgroup/memory.stat", f"anon {GB}\nfile {2 * GB}\nactive_file {GB // 2}\n"
                                      f"inactive_file {GB}\n")
    assert memory.available_memory() == 2 * GB


def test_the_processs_own_cgroup_and_its_ancestors_are_read(root):
    # A Dask worker in a systemd slice: the limit may be set on any ancestor.
    root("proc/self/cgroup", "0::/workers.slice/worker-1.scope\n")
    root("sys/fs/cgroup/workers.slice/worker-1.scope/memory.max", "max\n")
    root("sys/fs/cgroup/workers.slice/worker-1.scope/memory.current", f"{GB}\n")
    root("sys/fs/cgroup/workers.slice/memory.max", f"{8 * GB}\n")
    root("sys/fs/cgroup/workers.slice/memory.current", f"{6 * GB}\n")
    # Another cgroup's limit does not apply.
    root("sys/fs/cgroup/other.slice/memory.max", "1\n")
    root("sys/fs/cgroup/other.slice/memory.current", "0\n")
    assert memory.available_memory() == 2 * GB
    root("sys/fs/cgroup/workers.slice/worker-1.scope/memory.max", f"{GB + GB // 2}\n")
    assert memory.available_memory() == GB // 2


def test_max_or_an_absurd_limit_is_no_limit(root):
    root("proc/self/cgroup", "0::/\n")
    root("sys/fs/cgroup/memory.current", f"{GB}\n")
    for limit in ("max", str(2**63 - 4096), "garbage", "-1"):
        root("sys/fs/cgroup/memory.max", limit + "\n")
        assert memory.available_memory() == 16 * GB, limit


def test_a_limit_already_exceeded_leaves_nothing(root):
    root("proc/self/cgroup", "0::/\n")
    root("sys/fs/cgroup/memory.max", f"{GB}\n")
    root("sys/fs/cgroup/memory.current", f"{2 * GB}\n")
    assert memory.available_memory() == 0


def test_a_cgroup_v1_memory_limit_counts(root):
    # Hybrid hierarchy, as on this project's machine: v1 memory controller, an empty v2.
    root("proc/self/cgroup", "4:memory:/process_api/abc\n3:cpuset:/\n0::/\n")
    folder = "sys/fs/cgroup/memory/process_api/abc/"
    root(folder + "memory.limit_in_bytes", f"{2 * GB}\n")
    root(folder + "memory.usage_in_bytes", f"{GB}\n")
    root(folder + "memory.stat", f"cache {GB}\ninactive_file 5\ntotal_inactive_file {GB // 4}\n")
    root("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n")
    root("sys/fs/cgroup/memory/memory.usage_in_bytes", f"{10 * GB}\n")
    assert memory.available_memory() == GB + GB // 4


def test_a_container_that_sees_its_cgroup_as_the_root(root):
    # v1 in Docker: /proc/self/cgroup names the host's path, which is not mounted inside;
    # the container's own limit is at the mount's root.
    root("proc/self/cgroup", "9:memory,kmem:/docker/0123abcd\n")
    root("sys/fs/cgroup/memory/memory.limit_in_bytes", f"{GB}\n")
    root("sys/fs/cgroup/memory/memory.usage_in_bytes", f"{GB // 4}\n")
    assert memory.available_memory() == 3 * GB // 4


def test_a_path_outside_the_namespace_goes_to_the_root(root):
    root("proc/self/cgroup", "0::/../../elsewhere\n")
    root("sys/fs/cgroup/memory.max", f"{2 * GB}\n")
    root("sys/fs/cgroup/memory.current", "0\n")
    root("sys/fs/cgroup/elsewhere/memory.max", "1\n")
    root("sys/fs/cgroup/elsewhere/memory.current", "0\n")
    assert memory.available_memory() == 2 * GB


def test_a_cgroup_limit_above_the_machines_memory_changes_nothing(root):
    root("proc/self/cgroup", "0::/\n")
    root("sys/fs/cgroup/memory.max", f"{64 * GB}\n")
    root("sys/fs/cgroup/memory.current", f"{GB}\n")
    assert memory.available_memory() == 16 * GB


def test_the_check_refuses_what_a_containers_limit_cannot_hold(root):
    root("proc/self/cgroup", "0::/\n")
    root("sys/fs/cgroup/memory.max", f"{GB}\n")
    root("sys/fs/cgroup/memory.current", "0\n")
    memory.check_fits_in_memory("X", (1000, 100), "float64")  # 0.8 MB
    with pytest.raises(MemoryError, match=r"`X` needs a 100000 x 2000 float32 matrix of 800\.0 MB, "
                                          r"more than half of the 1\.07 GB of memory available"):
        memory.check_fits_in_memory("X", (100000, 2000), "float32")


def test_on_this_machine_some_memory_is_found():
    available = memory.available_memory()
    assert available is None or available > 0
