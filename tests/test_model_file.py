"""The model file format (mlp.io.model_file): arrays and a JSON header, no pickle."""

import os

import numpy
import pytest

from mlp.io.model_file import FORMAT_VERSION, read_model, write_model


def test_write_model_adds_versions_and_keeps_the_path_as_given(tmp_path):
    path = tmp_path / "model.bin"
    write_model(str(path), {"format_version": 99, "note": "kept"}, {"values": numpy.arange(3)})
    assert os.listdir(tmp_path) == ["model.bin"]
    header, arrays = read_model(path)
    assert header["note"] == "kept" and header["format_version"] == FORMAT_VERSION
    numpy.testing.assert_array_equal(arrays["values"], [0, 1, 2])
    assert set(arrays) == {"values"}


@pytest.mark.parametrize("arrays, error", [
    ({"values": numpy.array([{"a": 1}], dtype=object)}, TypeError),
    ({"__header__": numpy.zeros(2)}, ValueError),
    ({"file": numpy.zeros(2)}, ValueError),
])
def test_write_model_refuses_what_it_cannot_store_without_pickle(tmp_path, arrays, error):
    with pytest.raises(error, match="Received"):
        write_model(tmp_path / "model.npz", {}, arrays)
    assert os.listdir(tmp_path) == []
