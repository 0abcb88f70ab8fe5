"""The cost of the first fit as users meet it: whole fresh Python processes.

Each measurement is one new interpreter (:mod:`benchmarks.first_fit_child`) that times
its library's import statement and its first ``fit`` on the digits, compiling included.
mlp keeps compiled programs on disk (its own folder of serialised executables, under
``MLP_CACHE_DIR``; PyTensor's compile folder), so its cases run twice:

- cold: every process gets fresh, empty cache folders (a new temporary folder each);
- warm: one untimed process fills a temporary folder, then the timed processes reuse it.

scikit-learn and PyTorch compile nothing: their cold run is simply a first process and
their warm one a later process. No run reads or writes the user's own caches
(``~/.cache``, ``~/.pytensor``). ``python -m benchmarks.first_fit [--repeats N]``
prints the table alone.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.first_fit_child import CASES

__all__ = ["child_environment", "wait_for_background_compilation", "parse_child_output",
           "run_child", "summarize", "measure", "folder_contents", "main"]

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "scikit-learn"  # ratios are its fit seconds over each case's
TIMEOUT_SECONDS = 1800
# Characters that PyTensor's flag parser (comma-separated, shell-quoted) would split on
# or unquote inside a folder path.
_UNSAFE_IN_FLAGS = set(",'\"\\ \t\n")


def child_environment(cache_folder, base=None):
    """The environment of a child process whose every cache lives in ``cache_folder``.

    Parameters
    ----------
    cache_folder : str or Path
        A folder of this run; ``mlp``, ``pytensor``, ``xdg`` and ``numba`` folders are
        created in it, empty when it is new.
    base : mapping, optional
        The environment to start from (default ``os.environ``); it is not modified.
        ``OPENBLAS_*`` and every other variable pass through unchanged.

    Returns
    -------
    dict
        With ``PYTHONPATH`` starting at the repository root, ``MLP_CACHE_DIR`` and
        ``base_compiledir`` in ``PYTENSOR_FLAGS`` (appended, so it wins over an earlier
        one) in the folder, and ``XDG_CACHE_HOME`` and ``NUMBA_CACHE_DIR`` there too, so
        nothing reaches the user's ``~/.cache``. ``JAX_COMPILATION_CACHE_DIR`` is removed:
        a user's machine has no JAX cache that mlp would fill (mlp caches its own).
    """
    folder = Path(cache_folder).resolve()
    if _UNSAFE_IN_FLAGS & set(str(folder)):
        raise ValueError(f"A cache folder for PYTENSOR_FLAGS cannot contain commas, quotes or "
                         f"spaces. Received: cache_folder={str(folder)!r}")
    environment = dict(os.environ if base is None else base)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH")]))
    folders = {name: folder / name for name in ("mlp", "pytensor", "xdg", "numba")}
    for path in folders.values():
        path.mkdir(parents=True, exist_ok=True)
    environment.pop("JAX_COMPILATION_CACHE_DIR", None)
    flags = environment.get("PYTENSOR_FLAGS", "").strip(",")
    environment["PYTENSOR_FLAGS"] = ",".join(filter(None, [flags, f"base_compiledir={folders['pytensor']}"]))
    # mlp's compiled programs, and any other library that caches under XDG_CACHE_HOME or
    # Numba's folder.
    environment["MLP_CACHE_DIR"] = str(folders["mlp"])
    environment["XDG_CACHE_HOME"] = str(folders["xdg"])
    environment["NUMBA_CACHE_DIR"] = str(folders["numba"])
    return environment


def wait_for_background_compilation(cache_folder, most_seconds=600):
    """Wait until the background compilation a child started in ``cache_folder``
    (mlp.runtime.precompile) has ended, so that it takes no CPU from the next timed
    process (on a user's machine it runs once, not once per process). Returns the
    seconds waited."""
    from mlp.runtime.precompile import LOCK

    lock = Path(cache_folder) / "mlp" / "programs" / LOCK
    started = time.perf_counter()
    while lock.exists() and time.perf_counter() - started < most_seconds:
        time.sleep(0.5)
    return time.perf_counter() - started


def parse_child_output(stdout):
    """The dict of a child's JSON line: the last stdout line that is a JSON object
    with a ``case`` (a library may print lines of its own before it).

    Raises
    ------
    ValueError
        When no such line is there.
    """
    for line in reversed(stdout.strip().splitlines()):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict) and "case" in value:
            return value
    raise ValueError(f"No JSON line with a 'case' in the child's output. Received: {stdout[-2000:]!r}")


def run_child(case, cache_folder, small=False, base=None):
    """Run one case in a new interpreter whose caches live in ``cache_folder``.

    Returns
    -------
    dict
        The child's JSON line, plus ``process_seconds`` (the whole process, interpreter
        start and data loading included, as seen from here).

    Raises
    ------
    RuntimeError
        When the child fails; the message ends with its standard error.
    """
    command = [sys.executable, "-m", "benchmarks.first_fit_child", "--case", case]
    if small:
        command.append("--small")
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, env=child_environment(cache_folder, base),
                               capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
    process_seconds = time.perf_counter() - started
    wait_for_background_compilation(cache_folder)
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {completed.returncode}:\n"
                           f"{completed.stderr[-3000:]}")
    result = parse_child_output(completed.stdout)
    result["process_seconds"] = process_seconds
    return result


def folder_contents(folder):
    """``(files, bytes)`` under ``folder``: how much a warm-up left in a cache."""
    files = [path for path in Path(folder).rglob("*") if path.is_file()]
    return len(files), sum(path.stat().st_size for path in files)


def summarize(runs):
    """Medians and minimums of a list of child results (one state: cold or warm).

    Returns
    -------
    dict
        ``import_seconds`` and ``fit_seconds`` (medians), ``import_min`` and
        ``fit_min``, ``process_seconds`` (median of the whole processes, None when not
        timed), ``score`` and ``n_iter`` (medians; ``n_iter`` None when no run has it),
        ``runs`` (how many).
    """
    imports = [run["import_seconds"] for run in runs]
    fits = [run["fit_seconds"] for run in runs]
    iterations = [run["n_iter"] for run in runs if run.get("n_iter") is not None]
    processes = [run["process_seconds"] for run in runs if "process_seconds" in run]
    return {"import_seconds": statistics.median(imports), "import_min": min(imports),
            "fit_seconds": statistics.median(fits), "fit_min": min(fits),
            "process_seconds": statistics.median(processes) if processes else None,
            "score": statistics.median(run["score"] for run in runs),
            "n_iter": statistics.median(iterations) if iterations else None, "runs": len(runs)}


def _ratios(summaries):
    """scikit-learn's fit seconds over each case's, cold and warm, medians and minimums."""
    base = summaries.get(BASELINE)
    for summary in summaries.values():
        summary["ratio"] = {}
        for state in ("cold", "warm"):
            if base is None or state not in summary or state not in base:
                continue
            summary["ratio"][state] = base[state]["fit_seconds"] / summary[state]["fit_seconds"]
            summary["ratio"][f"{state}_min"] = base[state]["fit_min"] / summary[state]["fit_min"]


def measure(repeats=3, cases=None, small=False, base=None, log=print):
    """Time every case's import and first fit, cold and warm, ``repeats`` processes each.

    Parameters
    ----------
    repeats : int
        Timed processes per case and state.
    cases : list of str, optional
        Keys of :data:`benchmarks.first_fit_child.CASES` (default all).
    small : bool
        Two epochs per fit (tests).
    base : mapping, optional
        The environment the children start from (default ``os.environ``).
    log : callable
        Receives one line per process.

    Returns
    -------
    dict
        ``cases``: ``{name: {"code", "compiles", "cold", "warm", "ratio", "cache"}}``
        (``cold``/``warm`` from :func:`summarize`; ``ratio`` scikit-learn fit seconds over
        this case's; ``cache`` the files and bytes a warm-up left), ``skipped`` and
        ``failed`` (``{name: why}``), ``repeats``.
    """
    names = list(CASES) if cases is None else list(cases)
    runs = {name: {"cold": [], "warm": []} for name in names}
    skipped, failed, cache = {}, {}, {}
    with tempfile.TemporaryDirectory(prefix="mlp-first-fit-") as scratch:
        scratch = Path(scratch)

        def attempt(name, state, folder, timed=True):
            if name in skipped or name in failed:
                return
            try:
                result = run_child(name, folder, small=small, base=base)
            except (RuntimeError, ValueError, subprocess.TimeoutExpired) as error:
                failed[name] = f"{type(error).__name__}: {error}"
                log(f"  {name:18s} {state}: FAILED {str(error)[-500:]}")
                return
            if "skipped" in result:
                skipped[name] = result["skipped"]
                log(f"  {name:18s} skipped: {result['skipped']}")
            elif timed:
                runs[name][state].append(result)
                log(f"  {name:18s} {state} {len(runs[name][state])}: "
                    f"import {result['import_seconds']:.3f} s, first fit {result['fit_seconds']:.3f} s, "
                    f"score {result['score']:.4f}")

        for repeat in range(repeats):
            shift = repeat % len(names)
            for name in names[shift:] + names[:shift]:
                attempt(name, "cold", scratch / f"cold-{repeat}-{_folder_name(name)}")
        for name in names:
            if CASES[name].compiles:
                attempt(name, "warm", scratch / f"warm-{_folder_name(name)}", timed=False)
                cache[name] = {kind: folder_contents(scratch / f"warm-{_folder_name(name)}" / kind)
                               for kind in ("mlp", "pytensor")}
        for repeat in range(repeats):
            shift = repeat % len(names)
            for name in names[shift:] + names[:shift]:
                attempt(name, "warm", scratch / f"warm-{_folder_name(name)}")
    summaries = {}
    for name in names:
        if name in skipped or name in failed:
            continue
        summaries[name] = {"code": f"{CASES[name].import_code}; {CASES[name].fit_code}",
                           "compiles": CASES[name].compiles, "cache": cache.get(name)}
        for state in ("cold", "warm"):
            if runs[name][state]:
                summaries[name][state] = summarize(runs[name][state])
    _ratios(summaries)
    return {"cases": summaries, "skipped": skipped, "failed": failed, "repeats": repeats}


def _folder_name(case):
    return "".join(character if character.isalnum() else "-" for character in case)


def main(argv=None):
    """``python -m benchmarks.first_fit``: measure and print the Markdown section."""
    from benchmarks import report

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cases", default=None, help=f"comma-separated, of: {', '.join(CASES)}")
    arguments = parser.parse_args(argv)
    if arguments.repeats < 1:
        parser.error(f"--repeats must be at least 1. Received: --repeats={arguments.repeats}")
    cases = arguments.cases.split(",") if arguments.cases else None
    unknown = sorted(set(cases or ()) - set(CASES))
    if unknown:
        parser.error(f"unknown cases {unknown}; expected some of {list(CASES)}")
    print("\n".join(report.first_fit_section(measure(arguments.repeats, cases))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
