"""The background compilation of the default estimators' programs (mlp.runtime.precompile
starts mlp.precompile, which runs the drop-ins' list of mlp.sklearn.precompile and the
tabular one of mlp.tabular.precompile): a later fit of a new table in the same buckets
loads its programs instead of compiling them."""

import functools
import json
import os
import subprocess
import sys
import time

import numpy
import pytest

import mlp
from mlp import engine
from mlp.runtime import precompile, program_files, programs
from mlp.sklearn.precompile import run
from mlp.tabular import precompile as tabular_precompile

pytestmark = pytest.mark.skipif(engine.jax is None, reason="Theano's programs are not saved")

ONE_SHAPE = [("classifier", 1000, 8, 2)]


def _wait_until_gone(path, seconds=300):
    started = time.monotonic()
    while path.exists() and time.monotonic() - started < seconds:
        time.sleep(0.2)


def _counts_in_a_new_process(cache, table, work):
    """``programs.counts()`` of a new process that draws ``X = table`` and runs ``work``,
    with mlp's cache in ``cache`` and no background compilation of its own."""
    code = (f"import json, numpy, mlp; from mlp.runtime import programs; "
            f"rng = numpy.random.default_rng(0); X = {table}; {work}; "
            f"print(json.dumps(programs.counts()))")
    environment = {"MLP_CACHE_DIR": str(cache), "MLP_PRECOMPILE": "0"}
    completed = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True,
                               text=True, check=True, env={**os.environ, **environment})
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_a_new_table_loads_the_program_compiled_in_the_background(tmp_path, monkeypatch):
    monkeypatch.setenv("MLP_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("MLP_PRECOMPILE", "1")
    folder = program_files.folder()
    digest = programs.source_digest()
    assert precompile.start(folder, digest, ONE_SHAPE)
    # Running: a second start does nothing.
    assert not precompile.start(folder, digest, ONE_SHAPE)
    _wait_until_gone(folder / "precompiling.lock")
    assert list(folder.glob("precompiled-*")) and list(folder.glob("*.executable"))
    # Done for this version of mlp: it does not start again.
    assert not precompile.start(folder, digest, ONE_SHAPE)
    # Another process, a table of 7 columns, two classes and 700 rows: loaded, not compiled.
    counts = _counts_in_a_new_process(tmp_path, "rng.normal(size=(700, 7))",
                                      "mlp.MLPClassifier(max_iter=2).fit(X, X[:, 0] > 0)")
    assert counts["compiles"] == 0 and counts["loaded"] == 1


def test_it_is_off_with_mlp_precompile_0_and_clear_cache_lets_it_run_again(tmp_path, monkeypatch):
    monkeypatch.setenv("MLP_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("MLP_PRECOMPILE", "0")
    assert not precompile.enabled()
    assert not precompile.start(program_files.folder(), "0" * 64, ONE_SHAPE)
    monkeypatch.setenv("MLP_PRECOMPILE", "1")
    folder = program_files.folder()
    folder.mkdir(parents=True)
    (folder / f"precompiled-{'0' * 16}").write_text("")
    assert not precompile.start(folder, "0" * 64, ONE_SHAPE)
    mlp.clear_cache()
    assert not list(folder.glob("precompiled-*"))


def test_the_default_shapes_are_what_default_fits_compile(tmp_path, monkeypatch):
    monkeypatch.setenv("MLP_CACHE_DIR", str(tmp_path))
    mlp.clear_cache(disk=False)
    assert run([("regressor", 1000, 16, 0)]) == 1
    before = programs.counts()
    rng = numpy.random.default_rng(0)
    X = rng.normal(size=(3000, 11))
    mlp.MLPRegressor(max_iter=3).fit(X, X[:, 0])
    assert programs.counts()["compiles"] == before["compiles"]


def test_the_tabular_list_runs_apart_and_a_tabular_fit_then_loads_its_programs(tmp_path,
                                                                               monkeypatch):
    monkeypatch.setenv("MLP_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("MLP_PRECOMPILE", "1")
    folder = program_files.folder()
    digest = programs.source_digest()
    shape = [("tabular_classifier", 1000, 16, 2)]
    assert precompile.start(folder, digest, shape, programs="tabular")
    # Its own lock: the drop-ins' list may run beside it.
    assert precompile.lock_file(folder, "tabular").exists() and not (folder / precompile.LOCK).exists()
    _wait_until_gone(precompile.lock_file(folder, "tabular"))
    assert (folder / f"precompiled-tabular-{digest[:16]}").exists()
    assert not list(folder.glob(f"precompiled-{digest[:16]}"))
    assert not precompile.start(folder, digest, shape, programs="tabular")
    # A table of 1,200 rows and 13 columns (64 in the bucket) in another process:
    # its training and forward programs are loaded, none compiled.
    counts = _counts_in_a_new_process(
        tmp_path, "rng.normal(size=(1200, 13))",
        "mlp.TabularClassifier(random_state=1).fit(X, X[:, 0] > 0).predict(X[:240])")
    assert counts["compiles"] == 0 and counts["loaded"] == 2


def test_the_tabular_shapes_are_what_default_tabular_fits_compile(tmp_path, monkeypatch):
    monkeypatch.setenv("MLP_CACHE_DIR", str(tmp_path))
    mlp.clear_cache(disk=False)
    # A regressor of 4,000 rows: batches of 256, 800 rows held out (1,024 in the bucket).
    assert tabular_precompile.run([("tabular_regressor", 4000, 8, 0)]) == 2
    before = programs.counts()
    rng = numpy.random.default_rng(0)
    X = rng.normal(size=(4500, 6))
    model = mlp.TabularRegressor(random_state=0, max_iter=3).fit(X, X[:, 0])
    model.predict(X[:900])
    assert programs.counts()["compiles"] == before["compiles"]


def test_a_tabular_fit_starts_the_tabular_list_and_not_the_dropins(tmp_path, monkeypatch):
    monkeypatch.setenv("MLP_CACHE_DIR", str(tmp_path))
    mlp.clear_cache(disk=False)
    started = []

    def start(folder, digest, shapes=None, programs="dropins", beside=0):
        started.append((programs, shapes, beside))
        return True

    monkeypatch.setattr(precompile, "start", start)
    # Fresh once-per-process starters, as in a new process.
    monkeypatch.setattr(programs, "_start_precompiling",
                        functools.cache(programs._start_precompiling.__wrapped__))
    monkeypatch.setattr(tabular_precompile, "_STARTED", [])
    rng = numpy.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    mlp.TabularClassifier(max_iter=1, random_state=0).fit(X, X[:, 0] > 0)
    # The whole list, the 6 programs of this table's bucket (64 columns) first.
    (kind, shapes, beside), = started
    assert kind == "tabular" and beside == 6
    assert sorted(shapes) == sorted(tabular_precompile.TABULAR_SHAPES)
    assert {shape[2] for shape in shapes[:beside]} == {64}
    assert {shape[0] for shape in shapes[:beside]} == {"tabular_classifier", "tabular_regressor"}
    mlp.TabularRegressor(max_iter=1, random_state=0).fit(rng.normal(size=(200, 90)), X[:, 0])
    assert len(started) == 1  # once per process
    mlp.MLPClassifier(max_iter=1).fit(X, X[:, 0] > 0)
    assert [kind for kind, _, _ in started] == ["tabular", "dropins"]


def test_the_tabular_list_puts_the_table_bucket_of_columns_first():
    for columns, bucket in ((3, 64), (64, 64), (65, 128), (200, 256)):
        shapes, beside = tabular_precompile.beside_first(columns)
        assert beside == 6 and {shape[2] for shape in shapes[:beside]} == {bucket}
        assert bucket not in {shape[2] for shape in shapes[beside:]}
    # A table wider than the list's buckets: the list as it is, nothing first.
    assert tabular_precompile.beside_first(300) == (list(tabular_precompile.TABULAR_SHAPES), 0)


_LINUX = pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="Linux's /proc")


@_LINUX
def test_the_background_process_takes_the_lowest_priority_in_its_own_session():
    code = ("import os; from mlp.runtime import background; background.lowest_priority(); "
            "print(os.nice(0), os.sched_getscheduler(0) == os.SCHED_IDLE, "
            "open('/proc/self/autogroup').read().split()[-1])")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               check=True, start_new_session=True)
    nice, idle, group_nice = completed.stdout.split()
    assert (nice, idle) == ("19", "True")
    # Its session's scheduling group too, where the kernel has autogroups.
    assert group_nice == "19" or not os.path.exists("/proc/sys/kernel/sched_autogroup_enabled")


def _waiting_child(log, spare_cpu):
    """A process that waits as the background does (``spare_cpu`` or not), writing
    "waiting" after each busy sample and "went on" when it returns."""
    code = ("import sys; from mlp.runtime import background; "
            "background.wait_until_idle(lambda: open(sys.argv[1], 'a').write('waiting\\n'), "
            f"spare_cpu={spare_cpu}); open(sys.argv[1], 'a').write('went-on\\n')")
    return subprocess.Popen([sys.executable, "-c", code, str(log)])


def _busy_on_one_cpu_until(done):
    deadline = time.monotonic() + 120
    while not done() and time.monotonic() < deadline:
        sum(range(20000))


@_LINUX
def test_the_background_process_waits_while_the_process_that_started_it_is_busy(tmp_path):
    log = tmp_path / "log"
    child = _waiting_child(log, spare_cpu=False)
    try:
        # Busy (this process's CPU) until the child has seen it so.
        _busy_on_one_cpu_until(lambda: log.exists() and "waiting" in log.read_text())
        assert "went-on" not in log.read_text()
        # Idle now: the child goes on.
        child.wait(timeout=60)
    finally:
        child.kill()
    lines = log.read_text().split()
    assert lines[0] == "waiting" and lines[-1] == "went-on"


@_LINUX
@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="a CPU to spare")
def test_the_background_process_goes_on_beside_a_process_busy_on_one_cpu(tmp_path):
    log = tmp_path / "log"
    child = _waiting_child(log, spare_cpu=True)
    try:
        # Busy on one CPU (this thread) until the child has gone on.
        _busy_on_one_cpu_until(lambda: child.poll() is not None)
        child.wait(timeout=60)
    finally:
        child.kill()
    # It went on while this process kept one CPU busy: a CPU was free.
    assert log.read_text().split() == ["went-on"]
