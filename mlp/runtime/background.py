"""How the background compilation (``python -m mlp.precompile --background``) keeps out
of the user's way: the lowest priority the system gives, and each program compiled
only while the user's process is idle.

A priority alone is not enough. Started in a session of its own, the process is alone
in a Linux scheduling autogroup, and autogroups share the CPUs by the group's nice
value, not by their processes': with only ``os.nice(19)``, a busy background process
slowed 200 float32 matrix products of 1,000 x 1,000 in the user's process from 0.83 to
6.3 s; with the group's nice at 19 as well, 0.85 s. Even at the lowest priority, a
compile beside a training shares the caches and the memory bus: 39 tabular fits took
9.7 s beside it against 8.1 s with it off (docs/design.md). So each program waits
until the process that started the compilation (the user's) is idle or gone; or, for
the few programs the user's next table most likely needs, until it leaves a CPU free
(a fit of small batches keeps one busy): those then load instead of compiling on the
user's time.
"""

import os
import time

__all__ = ["lowest_priority", "wait_until_idle"]

# The user's process counts as idle while it uses less than this share of one CPU, over
# one sample of _SAMPLE_SECONDS (a fit keeps one or more busy); as leaving a CPU free
# while it uses less than all CPUs but one and this share.
_BUSY_SHARE = 0.3
_SAMPLE_SECONDS = 0.5


def lowest_priority():
    """Give this process the CPUs only when the user's processes leave them idle: nice
    19, its autogroup's nice 19 (Linux, when it leads its own session), and the
    SCHED_IDLE policy (Linux), each where the system allows it. Threads started later
    inherit it."""
    try:
        os.nice(19)
    except OSError:
        pass
    # The autogroup is the whole session's: only a process that leads its own session
    # (as mlp.runtime.precompile.start makes it) lowers it, never a user's shell.
    try:
        if os.getsid(0) == os.getpid():
            with open("/proc/self/autogroup", "w") as autogroup:
                autogroup.write("19")
    except (AttributeError, OSError):
        pass
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        pass


def _cpu_seconds(pid):
    """The CPU seconds process ``pid`` has used, all its threads (Linux's
    ``/proc/PID/stat``), or None where the system does not say."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _cpus():
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def wait_until_idle(still_waiting=None, spare_cpu=False):
    """Return once the process that started this one has used less than
    ``_BUSY_SHARE`` of a CPU over ``_SAMPLE_SECONDS``, or has ended (at once where the
    system gives no CPU times). With ``spare_cpu``, return as soon as it leaves a CPU
    free: it used less than all CPUs but one (none on a machine of one CPU) and
    ``_BUSY_SHARE``. ``still_waiting``, if given, is called after each busy sample (the
    caller's sign of life, such as touching its lock file)."""
    busy_cpus = _BUSY_SHARE + (_cpus() - 1 if spare_cpu else 0)
    while True:
        parent = os.getppid()
        before = _cpu_seconds(parent)
        time.sleep(_SAMPLE_SECONDS)
        after = _cpu_seconds(parent)
        if parent == 1 or os.getppid() != parent or before is None or after is None:
            return
        if after - before < busy_cpus * _SAMPLE_SECONDS:
            return
        if still_waiting is not None:
            still_waiting()
