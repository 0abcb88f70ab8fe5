"""Atomic writes (mlp.atomic_file): the whole file or none of it, the old file's mode kept."""

import os

import pytest

from mlp import atomic_file
from mlp.atomic_file import write_atomically


def test_bytes_and_a_writer_both_make_the_file(tmp_path):
    path = tmp_path / "data.bin"
    write_atomically(path, b"first")
    assert path.read_bytes() == b"first"
    write_atomically(str(path), lambda handle: handle.write(b"second"), durable=False)
    assert path.read_bytes() == b"second"
    assert os.listdir(tmp_path) == ["data.bin"]


@pytest.mark.parametrize("failure", ["writer", "os.replace", "KeyboardInterrupt"])
def test_a_failed_write_leaves_the_old_file_and_no_partial_file(tmp_path, monkeypatch, failure):
    path = tmp_path / "data.bin"
    write_atomically(path, b"old contents")

    def half_then_fail(handle):
        handle.write(b"half of the new")
        raise KeyboardInterrupt if failure == "KeyboardInterrupt" else OSError("disk full")

    if failure == "os.replace":
        def refuse(*arguments):
            raise OSError("disk full")

        monkeypatch.setattr(atomic_file.os, "replace", refuse)
    raised = KeyboardInterrupt if failure == "KeyboardInterrupt" else OSError
    with pytest.raises(raised):
        write_atomically(path, b"new contents" if failure == "os.replace" else half_then_fail)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["data.bin"]
    assert path.read_bytes() == b"old contents"


def test_a_failed_first_write_leaves_nothing(tmp_path):
    def fail(handle):
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(tmp_path / "data.bin", fail)
    assert os.listdir(tmp_path) == []


def test_the_temporary_file_is_a_hidden_one_in_the_targets_folder(tmp_path):
    seen = []
    write_atomically(tmp_path / "data.bin", lambda handle: seen.extend(os.listdir(tmp_path)))
    assert len(seen) == 1
    assert seen[0].startswith(".data.bin.") and seen[0].endswith(".partial")


def test_a_missing_folder_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_atomically(tmp_path / "absent" / "data.bin", b"x")


def test_writing_over_a_file_keeps_its_permissions(tmp_path):
    path = tmp_path / "data.bin"
    write_atomically(path, b"first")
    os.chmod(path, 0o640)
    write_atomically(path, b"second")
    assert os.stat(path).st_mode & 0o777 == 0o640


def test_writing_over_a_private_file_never_shows_the_new_contents_to_others(tmp_path):
    path = tmp_path / "data.bin"
    write_atomically(path, b"first")
    os.chmod(path, 0o600)
    modes = []

    def write(handle):
        modes.append(os.fstat(handle.fileno()).st_mode & 0o777)  # the temporary file's
        handle.write(b"secret")

    write_atomically(path, write)
    assert modes == [0o600] and os.stat(path).st_mode & 0o777 == 0o600


def test_a_new_file_gets_the_mode_a_plain_open_gives_without_touching_the_umask(tmp_path, monkeypatch):
    real_umask = os.umask
    previous = real_umask(0o027)  # not tempfile's 0o600, not the usual 0o644
    try:
        plain = tmp_path / "plain"
        with open(plain, "w"):
            pass

        def refuse(*arguments):
            raise AssertionError("the umask is process-wide: the library must not set it")

        monkeypatch.setattr(os, "umask", refuse)
        write_atomically(tmp_path / "data.bin", b"contents")
    finally:
        monkeypatch.undo()
        real_umask(previous)
    assert os.stat(tmp_path / "data.bin").st_mode & 0o7777 == os.stat(plain).st_mode & 0o7777
    assert sorted(os.listdir(tmp_path)) == ["data.bin", "plain"]
