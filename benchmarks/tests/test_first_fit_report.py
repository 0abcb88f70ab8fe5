"""The first-fit benchmark (fresh processes, cold and warm compile caches), the machine's
description (BLAS, JAX devices, the XLA GEMM peak) and the report's new sections.

No test asserts a wall-clock time; one runs mlp end to end, in one small child process.
"""

import importlib.util
import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from benchmarks import compare, first_fit, machine, report
from benchmarks.first_fit_child import CASES
from benchmarks.tasks import tasks
from benchmarks.timing import Result, Run

# The first fit and the XLA peak are measured on PyTensor's JAX backend; Theano's
# environment has no JAX.
needs_jax = pytest.mark.skipif(importlib.util.find_spec("jax") is None,
                               reason="JAX is not installed (Theano's environment)")

# -- first_fit: the children's output, their environment, the schedule of processes --


def test_the_child_line_is_the_last_json_object_with_a_case():
    line = {"case": "mlp", "import_seconds": 0.5, "fit_seconds": 2.0, "score": 0.9, "n_iter": 50}
    stdout = "\n".join(["a library's own message", json.dumps(line), '{"not": "a case"}',
                        "{broken json", ""])
    assert first_fit.parse_child_output(stdout) == line


@pytest.mark.parametrize("stdout", ["", "nothing here\n", '{"no": "case"}\n', "[1, 2]\n"])
def test_a_child_output_without_a_result_line_is_a_value_error(stdout):
    with pytest.raises(ValueError, match="No JSON line"):
        first_fit.parse_child_output(stdout)


def test_child_environment_puts_every_cache_in_a_fresh_empty_folder_of_the_run(tmp_path):
    base = {"HOME": str(tmp_path / "home"), "PATH": "/usr/bin", "PYTHONPATH": "/elsewhere",
            "PYTENSOR_FLAGS": "floatX=float32,base_compiledir=/users/own/folder",
            "OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "512"}
    original = dict(base)
    environment = first_fit.child_environment(tmp_path / "cold-0", base)
    assert base == original, "the base environment must not be modified"
    run_folder = (tmp_path / "cold-0").resolve()
    assert "JAX_COMPILATION_CACHE_DIR" not in first_fit.child_environment(
        tmp_path / "cold-2", dict(base, JAX_COMPILATION_CACHE_DIR=str(tmp_path / "jax")))
    for variable in ("MLP_CACHE_DIR", "XDG_CACHE_HOME", "NUMBA_CACHE_DIR"):
        folder = Path(environment[variable])
        assert folder.parent == run_folder, variable
        assert folder.is_dir() and not any(folder.iterdir()), f"{variable} must start empty"
    # PyTensor reads its flags left to right, so the last of a name wins.
    flags = dict(flag.split("=", 1) for flag in environment["PYTENSOR_FLAGS"].split(","))
    assert flags["floatX"] == "float32", "the user's other flags are kept"
    assert Path(flags["base_compiledir"]) == run_folder / "pytensor", "the appended folder wins"
    home_caches = (Path.home() / ".cache", Path.home() / ".pytensor", tmp_path / "home")
    for value in (environment[name] for name in ("MLP_CACHE_DIR", "XDG_CACHE_HOME",
                                                 "NUMBA_CACHE_DIR")):
        assert not any(Path(value).is_relative_to(home) for home in home_caches)
    assert environment["PYTHONPATH"].split(os.pathsep) == [str(first_fit.ROOT), "/elsewhere"]
    # OpenBLAS's pins pass through untouched: the benchmark never changes them itself.
    assert environment["OPENBLAS_CORETYPE"] == "Haswell" and environment["OPENBLAS_L2_SIZE"] == "512"
    other = first_fit.child_environment(tmp_path / "cold-1", base)
    assert other["MLP_CACHE_DIR"] != environment["MLP_CACHE_DIR"]


def test_a_cache_folder_that_the_flags_cannot_hold_is_refused(tmp_path):
    with pytest.raises(ValueError, match="commas"):
        first_fit.child_environment(tmp_path / "a,b", {})


def _fake_child(calls):
    """A stand-in for run_child: records each call and the state of its folder."""
    seconds = {"scikit-learn": 4.0, "mlp.MLPClassifier": 2.0, "mlp": 1.0}

    def run_child(case, cache_folder, small=False, base=None):
        program_folder = Path(cache_folder) / "mlp"
        calls.append((case, Path(cache_folder), program_folder.exists() and any(program_folder.iterdir())))
        if case == "PyTorch eager":
            return {"case": case, "skipped": "PyTorch not installed"}
        first_fit.child_environment(cache_folder, base)  # creates the folders, as the real one
        if CASES[case].compiles:
            (program_folder / f"program-{len(calls)}").write_text("compiled")
        warm = "warm" in Path(cache_folder).name
        fit = seconds[case] / (4.0 if warm and CASES[case].compiles else 1.0)
        return {"case": case, "import_seconds": 0.5, "fit_seconds": fit + 0.01 * len(calls),
                "score": 0.9, "n_iter": 7, "process_seconds": fit + 1.0}

    return run_child


def test_cold_runs_get_fresh_folders_and_warm_runs_reuse_a_filled_one(monkeypatch):
    calls = []
    monkeypatch.setattr(first_fit, "run_child", _fake_child(calls))
    result = first_fit.measure(repeats=2, log=lambda line: None)
    assert result["skipped"] == {"PyTorch eager": "PyTorch not installed"}
    assert set(result["cases"]) == {"mlp.MLPClassifier", "scikit-learn", "mlp"}
    for name in ("mlp.MLPClassifier", "mlp"):
        mine = [(folder, filled) for case, folder, filled in calls if case == name]
        cold = [entry for entry in mine if entry[0].name.startswith("cold")]
        warm = [entry for entry in mine if entry[0].name.startswith("warm")]
        assert len(cold) == 2 and len({folder for folder, _ in cold}) == 2
        assert not any(filled for _, filled in cold), "a cold run must find its cache empty"
        assert len(warm) == 3, "one untimed fill, then two timed runs"
        assert len({folder for folder, _ in warm}) == 1 and not warm[0][1]
        assert all(filled for _, filled in warm[1:]), "timed warm runs must find the cache filled"
        assert result["cases"][name]["cache"]["mlp"][0] == 1
        assert result["cases"][name]["cold"]["runs"] == result["cases"][name]["warm"]["runs"] == 2
    sklearn_calls = [folder for case, folder, _ in calls if case == "scikit-learn"]
    assert len(sklearn_calls) == 4, "no untimed fill where nothing is compiled"
    cases = result["cases"]
    for state in ("cold", "warm"):
        expected = cases["scikit-learn"][state]["fit_seconds"] / cases["mlp"][state]["fit_seconds"]
        assert cases["mlp"]["ratio"][state] == pytest.approx(expected)
        assert cases["scikit-learn"]["ratio"][state] == pytest.approx(1.0)
    assert cases["mlp"]["ratio"]["warm"] > cases["mlp"]["ratio"]["cold"]


def test_a_failing_child_is_reported_not_raised(monkeypatch):
    def run_child(case, cache_folder, small=False, base=None):
        if case == "mlp":
            raise RuntimeError("python -m benchmarks.first_fit_child --case mlp exited with 1:\nboom")
        return {"case": case, "import_seconds": 0.1, "fit_seconds": 1.0, "score": 1.0, "n_iter": 1}

    monkeypatch.setattr(first_fit, "run_child", run_child)
    result = first_fit.measure(repeats=1, cases=["mlp", "scikit-learn"], log=lambda line: None)
    assert "boom" in result["failed"]["mlp"] and "mlp" not in result["cases"]
    assert "**mlp FAILED**" in "\n".join(report.first_fit_section(result))


def test_summarize_keeps_medians_and_minimums():
    runs = [{"import_seconds": value, "fit_seconds": 10 * value, "score": 0.5, "n_iter": 3,
             "process_seconds": 20 * value} for value in (3.0, 1.0, 2.0)]
    summary = first_fit.summarize(runs)
    assert summary["import_seconds"] == 2.0 and summary["import_min"] == 1.0
    assert summary["fit_seconds"] == 20.0 and summary["fit_min"] == 10.0
    assert summary["process_seconds"] == 40.0 and summary["n_iter"] == 3 and summary["runs"] == 3


@needs_jax
@pytest.mark.slow
def test_one_small_first_fit_in_a_fresh_process_leaves_the_home_caches_alone(tmp_path):
    # The library end to end, in one child, two epochs: a fake HOME shows whether anything
    # was written to ~/.cache or ~/.pytensor instead of the run's own folder.
    home = tmp_path / "home"
    home.mkdir()
    base = {name: value for name, value in os.environ.items()
            if name not in ("XDG_CACHE_HOME", "MLP_CACHE_DIR", "JAX_COMPILATION_CACHE_DIR")}
    base["HOME"] = str(home)
    result = first_fit.run_child("mlp", tmp_path / "cache", small=True, base=base)
    assert result["case"] == "mlp" and result["n_iter"] == 2
    assert result["import_seconds"] > 0 and result["fit_seconds"] > 0
    assert result["process_seconds"] >= result["fit_seconds"]
    assert 0.0 <= result["score"] <= 1.0
    assert not (home / ".cache").exists() and not (home / ".pytensor").exists()
    assert first_fit.folder_contents(tmp_path / "cache")[0] > 0, "the compiled programs land in the run"


# -- machine: description, BLAS, JAX, the GEMM peaks --


@needs_jax
def test_describe_keeps_the_old_keys_and_adds_blas_and_jax():
    description = machine.describe()
    old_keys = {"cpu", "cores", "python", "engine", "numpy", "scikit-learn", "torch", "mlp"}
    new_keys = {"jax", "jaxlib", "jax_devices", "jax_default_device", "mlp_device", "blas",
                "openblas_environment"}
    assert old_keys | new_keys <= set(description)
    assert set(description["openblas_environment"]) == set(machine.OPENBLAS_VARIABLES)
    assert description["jax_devices"] and ":" in description["jax_default_device"]
    for library in description["blas"]:
        assert {"owner", "internal_api", "version", "architecture", "num_threads"} <= set(library)
    if importlib.util.find_spec("threadpoolctl") is not None:
        assert {"numpy", "scipy"} <= {library["owner"] for library in description["blas"]}


def test_engine_description_works_with_and_without_the_old_backend_attributes():
    jax_engine = SimpleNamespace(name="pytensor", version="3.0.7", jax=object(), device="gpu:NVIDIA A100")
    assert machine._engine_description(jax_engine) == (
        "pytensor 3.0.7 compiled through JAX (XLA); device gpu:NVIDIA A100")
    old_engine = SimpleNamespace(name="pytensor", version="3.0.7", large_graph_mode=None,
                                 config=SimpleNamespace(blas__ldflags="-L/lib -lopenblas -Dsgemm_=x",
                                                        mode="NUMBA"))
    text = machine._engine_description(old_engine)
    assert "blas__ldflags='-L/lib -lopenblas' and 1 -D renames" in text and "mode=NUMBA" in text
    assert machine._engine_description(SimpleNamespace()) == "unknown"


@needs_jax
def test_the_xla_peak_is_positive_and_the_peak_is_the_better_of_the_two():
    shapes = ((8, 8, 8),)
    xla = machine.xla_gemm_peak(min_seconds=0.0, shapes=shapes)
    assert set(xla) == {"float32", "float64"}
    assert all(xla[dtype][(8, 8, 8)] > 0 for dtype in xla)
    numpy_table = machine.gemm_peak(min_seconds=0.0, shapes=shapes)
    best = machine.best_peak(numpy_table, xla)
    for dtype in xla:
        assert best[dtype][(8, 8, 8)] == max(xla[dtype][(8, 8, 8)], numpy_table[dtype][(8, 8, 8)])


# -- report: the new sections from a fake result --


def _fake_report(openblas_environment, first_fit_result, gemm=None):
    chosen = tasks(quick=True)
    n_train = {task.name: 100 for task in chosen}
    results = {}
    for task in chosen:
        # 50 GFLOP/s by the report's count, so the % of peak is known exactly.
        seconds = 6.0 * 100 * task.n_weights * task.epochs / 50e9
        results[task.name] = {library: Result(library, [Run(0.1, seconds, 0.9, task.epochs)])
                              for library in ("mlp", "scikit-learn")}
    shapes = machine.GEMM_SHAPES
    numpy_table = {dtype: {shape: 50.0 for shape in shapes} for dtype in ("float32", "float64")}
    xla_table = {dtype: {shape: 100.0 for shape in shapes} for dtype in ("float32", "float64")}
    if gemm is None:
        gemm = {"numpy": numpy_table, "xla": xla_table, "peak": machine.best_peak(numpy_table, xla_table)}
    description = {"cpu": "a CPU", "cores": 2, "python": "3.11", "engine": "pytensor 3 compiled through JAX",
                   "numpy": "2", "scikit-learn": "1.9", "torch": "not installed", "mlp": "0.1.0",
                   "jax": "0.10.2", "jaxlib": "0.10.2", "jax_devices": ["cpu:cpu"],
                   "jax_default_device": "cpu:cpu", "mlp_device": "cpu:cpu",
                   "blas": [{"owner": "numpy", "file": "libscipy_openblas64_.so", "user_api": "blas",
                             "internal_api": "openblas", "version": "0.3.31",
                             "architecture": "Zen", "num_threads": 2}],
                   "openblas_environment": openblas_environment}
    info = {"machine": description, "quick": True, "repeats": 1, "skipped": {}, "warmup": False,
            "torch_threads": 2, "load": (0.1, 0.2), "wall_seconds": 1.0}
    building = [{"architecture": "2-2-2", "activation": "sigmoid", "dtype": "float64",
                 "import_seconds": 1.0, "first_initialize": 1.0, "next_initialize": 0.01,
                 "first_train_extra": 0.5}]
    return report.markdown(info, chosen, n_train, results, gemm, building, first_fit_result)


def _fake_first_fit():
    def state(fit):
        return {"import_seconds": 0.8, "import_min": 0.7, "fit_seconds": fit, "fit_min": fit - 0.1,
                "process_seconds": fit + 1.5, "score": 0.99, "n_iter": 130, "runs": 3}

    cases = {"scikit-learn": {"code": "sklearn", "compiles": False, "cache": None,
                              "cold": state(4.0), "warm": state(4.0)},
             "mlp": {"code": "mlp", "compiles": True, "cache": {"mlp": (3, 2_000_000), "pytensor": (0, 0)},
                     "cold": state(8.0), "warm": state(1.0)}}
    first_fit._ratios(cases)
    return {"cases": cases, "skipped": {"PyTorch eager": "PyTorch not installed"}, "failed": {},
            "repeats": 3}


def test_report_renders_first_fit_gemm_blas_and_the_openblas_warning():
    unset = dict.fromkeys(machine.OPENBLAS_VARIABLES)
    text = _fake_report(unset, _fake_first_fit())
    section = text.split("## First fit in a fresh process (compile included)", 1)[1].split("\n## ", 1)[0]
    mlp_row = next(line for line in section.splitlines() if line.startswith("| mlp |"))
    cells = [cell.strip() for cell in mlp_row.strip("|").split("|")]
    assert cells[3] == "8.00 (7.90)" and cells[4] == "1.00 (0.90)"
    assert cells[-2] == f"{4.0 / 8.0:.2f} ({3.9 / 7.9:.2f})" and cells[-1].startswith("4.00")
    assert "3 files (2.0 MB) in mlp's cache" in section and "**PyTorch eager skipped**" in section
    gemm = text.split("## Matrix products", 1)[1].split("\n## ", 1)[0]
    assert "NumPy float32 | XLA float32 | peak float32" in gemm
    assert "| peak | **50.0** | **100.0** | **100.0** | **50.0** | **100.0** | **100.0** |" in gemm
    # The large task runs at 50 GFLOP/s: 50% of the best peak (XLA's 100), not 100% of NumPy's.
    large = text.split("### large-float32", 1)[1].split("\n### ", 1)[0]
    assert "| 50.0 | 50% |" in large
    assert "## BLAS kernels (threadpoolctl)" in text and "| numpy | libscipy_openblas64_.so |" in text
    assert report.RUN_COMMAND in text and "OPENBLAS_CORETYPE=unset" in text
    assert "WARNING" not in text
    assert "jax 0.10.2, jaxlib 0.10.2; JAX devices: cpu:cpu; mlp computes on cpu:cpu" in text


def test_report_warns_loudly_when_openblas_is_pinned_and_accepts_the_old_gemm_table():
    pinned = {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": None}
    old_gemm = {dtype: {shape: 200.0 for shape in machine.GEMM_SHAPES} for dtype in ("float32", "float64")}
    text = _fake_report(pinned, None, gemm=old_gemm)
    assert "> **WARNING: OPENBLAS_CORETYPE=Haswell WERE SET" in text and "half speed" in text
    assert "Not measured in this run" in text
    assert "| peak | **200.0** | **200.0** |" in text
    assert "| 50.0 | 25% |" in text.split("### large-float64", 1)[1]


# -- compare: the new flags --


@pytest.mark.parametrize(("argv", "enabled", "repeats"), [
    ([], True, 3), (["--quick"], False, 1), (["--quick", "--first-fit"], True, 1),
    (["--no-first-fit"], False, 3), (["--first-fit-repeats", "5"], True, 5),
])
def test_first_fit_flags(argv, enabled, repeats):
    arguments = compare._arguments(argv)
    assert arguments.first_fit is enabled and arguments.first_fit_repeats == repeats


def test_first_fit_repeats_must_be_positive():
    with pytest.raises(SystemExit):
        compare._arguments(["--first-fit-repeats", "0"])


def test_the_child_cases_are_those_the_brief_names():
    assert list(CASES) == ["mlp.MLPClassifier", "scikit-learn", "mlp", "PyTorch eager"]
    assert [name for name, case in CASES.items() if case.compiles] == ["mlp.MLPClassifier", "mlp"]
