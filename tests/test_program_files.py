"""The folder of compiled programs on disk: whole files only, damaged ones refused, the
least recently used removed first beyond the size limit."""

import os

from mlp.runtime import program_files


def test_what_is_written_reads_back_and_damage_is_refused(tmp_path):
    path = tmp_path / "programs" / f"one{program_files.SUFFIX}"
    program_files.write(path, b"compiled bytes")
    assert program_files.read(path) == b"compiled bytes"
    assert list(path.parent.iterdir()) == [path], "no temporary file is left behind"
    whole = path.read_bytes()
    for damaged in (whole[:-1], whole[:-1] + b"X", b"not a program", b""):
        path.write_bytes(damaged)
        assert program_files.read(path) is None, damaged
    assert program_files.read(tmp_path / "missing.executable") is None


def test_the_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MLP_CACHE_DIR", str(tmp_path / "mine"))
    assert program_files.folder() == tmp_path / "mine" / "programs"
    monkeypatch.delenv("MLP_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert program_files.folder() == tmp_path / "xdg" / "mlp" / "programs"


def _files_used_in_order(folder, names, size):
    """Files of ``size`` bytes, the first name used longest ago."""
    folder.mkdir(parents=True, exist_ok=True)
    for age, name in enumerate(reversed(names)):
        path = folder / f"{name}{program_files.SUFFIX}"
        path.write_bytes(b"x" * size)
        moment = 1_000_000 - 100 * age
        os.utime(path, (moment, moment))


def _names(folder):
    return sorted(path.name.split(".")[0] for path in folder.iterdir())


def test_eviction_removes_the_least_recently_used_files_first(tmp_path):
    _files_used_in_order(tmp_path, ["oldest", "older", "newer", "newest"], 1000)
    (tmp_path / ".busy.executable.123.partial").write_bytes(b"x" * 5000)
    program_files.evict(tmp_path, limit=2500)
    assert _names(tmp_path) == ["", "newer", "newest"], "a write under way is left alone"


def test_a_file_read_counts_as_used(tmp_path):
    paths = [tmp_path / f"{name}{program_files.SUFFIX}" for name in ("first", "second", "third")]
    for moment, path in enumerate(paths, start=1):
        program_files.write(path, b"y" * 900)
        os.utime(path, (moment, moment))
    assert program_files.read(paths[0]) == b"y" * 900
    program_files.evict(tmp_path, limit=2 * paths[0].stat().st_size)
    assert _names(tmp_path) == ["first", "third"]


def test_writing_keeps_the_folder_under_its_limit(monkeypatch, tmp_path):
    monkeypatch.setattr(program_files, "DISK_LIMIT", 3000)
    for index in range(6):
        program_files.write(tmp_path / f"{index}{program_files.SUFFIX}", b"z" * 900)
        moment = 1_000_000 + index
        os.utime(tmp_path / f"{index}{program_files.SUFFIX}", (moment, moment))
    assert sum(path.stat().st_size for path in tmp_path.iterdir()) <= 3000
    assert "5" in _names(tmp_path), "the file just written stays"


def test_clear_removes_the_programs_and_nothing_else(tmp_path):
    _files_used_in_order(tmp_path, ["one", "two"], 10)
    (tmp_path / "old.jaxprogram").write_bytes(b"an earlier version's file")
    (tmp_path / "notes.txt").write_text("the user's own")
    program_files.clear(tmp_path)
    assert [path.name for path in tmp_path.iterdir()] == ["notes.txt"]
    program_files.clear(tmp_path / "missing")  # no folder: nothing to do
