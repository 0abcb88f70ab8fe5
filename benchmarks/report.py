"""The results as a Markdown table and a PNG chart."""

__all__ = ["markdown", "chart", "first_fit_section", "gemm_section", "blas_section",
           "environment_lines", "memory_section"]

BASELINE = "mlp"
RUN_COMMAND = "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks"


def _cell(seconds):
    return f"{seconds:.3f}" if seconds < 100 else f"{seconds:.1f}"


def _gflops(task, n_train, seconds):
    return 6.0 * n_train * task.n_weights * task.epochs / seconds / 1e9


def _header(info):
    machine = info["machine"]
    load = info["load"]
    lines = [
        f"# mlp speed benchmark{' (--quick)' if info['quick'] else ''}", "",
        f"- machine: {machine['cpu']}, {machine['cores']} cores; Python {machine['python']}",
        f"- engine: {machine['engine']}; mlp {machine['mlp']}",
        f"- numpy {machine['numpy']}, scikit-learn {machine['scikit-learn']}, "
        f"torch {machine['torch']} ({info['torch_threads']} threads)",
    ]
    if "jax" in machine:
        lines.append(f"- jax {machine['jax']}, jaxlib {machine['jaxlib']}; JAX devices: "
                     f"{', '.join(machine['jax_devices']) or 'none'}; mlp computes on "
                     f"{machine.get('mlp_device') or 'its engine (no mlp.engine.device)'}")
    lines += [
        f"- {info['repeats']} timed runs per library and task, interleaved (A B C, B C A, ...), "
        + ("after one untimed warm-up at the quick size (compiling stays out of the times); "
           if info["warmup"] else "no warm-up (the first run's times include compiling); ")
        + f"medians; wall time of the whole run "
        f"{info['wall_seconds']:.0f} s",
        f"- 1-minute load average {load[0]:.2f} at the start, {load[1]:.2f} at the end "
        f"(above {machine['cores']} means other processes competed for the cores)",
    ]
    for library, note in info["skipped"].items():
        lines.append(f"- **{library} skipped**: {note}")
    return lines + [""] + environment_lines(machine.get("openblas_environment"))


def environment_lines(openblas_environment):
    """How the benchmark must be run, and a loud warning when OpenBLAS was pinned.

    Parameters
    ----------
    openblas_environment : dict or None
        ``{variable: value or None}`` of the run's environment
        (:func:`benchmarks.machine.openblas_environment`); None when not recorded.
    """
    lines = [f"Measure with `{RUN_COMMAND}` (the two variables unset in that command alone; "
             "they pin OpenBLAS to an older kernel and a smaller cache, which on this machine "
             "about halves the speed of every OpenBLAS path (NumPy, scikit-learn))."]
    if openblas_environment is None:
        return lines + ["", "Whether they were set in this run was not recorded.", ""]
    pinned = {name: value for name, value in openblas_environment.items() if value is not None}
    recorded = ", ".join(f"{name}={'unset' if value is None else repr(value)}"
                         for name, value in openblas_environment.items())
    lines += ["", f"In this run's environment: {recorded}."]
    if pinned:
        lines += ["", f"> **WARNING: {', '.join(f'{name}={value}' for name, value in pinned.items())} "
                  "WERE SET in this run's environment. OpenBLAS ran pinned: the figures of "
                  "OpenBLAS paths (NumPy's GEMM, scikit-learn, and mlp wherever it calls "
                  "OpenBLAS) are then at about half speed, and the ratios against them are "
                  f"not the machine's. Rerun with `{RUN_COMMAND}`.**"]
    return lines + [""]


def _summary(tasks, results, peers):
    lines = []
    statistics = [("median", lambda result: result.train_seconds, ""),
                  ("fastest run", lambda result: result.spread[0],
                   "Other work on the host can only add time to a run, so the fastest run of each "
                   "library is its least disturbed one; compare both tables when the spreads "
                   "below are wide.")]
    for name, seconds, note in statistics:
        lines += [f"## Training time (seconds, {name}; ratio = peer time / mlp time)", ""]
        if note:
            lines += [note, ""]
        columns = ["task", BASELINE] + peers + [f"{peer} / mlp" for peer in peers]
        lines += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        for task in tasks:
            row = results[task.name]
            base = seconds(row[BASELINE])
            cells = [task.name, _cell(base)] + [_cell(seconds(row[peer])) for peer in peers]
            cells += [f"{seconds(row[peer]) / base:.2f}" for peer in peers]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def _details(task, n_train, row, peak):
    steps = task.steps(n_train)
    lines = [f"### {task.name}: {task.title}, {task.epochs} epochs, {task.dtype}, "
             f"learning rate {task.learning_rate}, momentum {task.momentum}", ""]
    columns = ["library", "build s", "train s", "train min-max", "accuracy", "epochs", "steps/s"]
    if task.dataset == "synthetic":
        columns += ["GFLOP/s", "% of GEMM peak"]
    lines += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for library, result in row.items():
        low, high = result.spread
        epochs = sorted({run.epochs_run for run in result.runs})
        cells = [library, f"{result.build_seconds:.3f}", _cell(result.train_seconds),
                 f"{_cell(low)}-{_cell(high)}", f"{result.accuracy:.4f}",
                 "/".join(map(str, epochs)), f"{steps / result.train_seconds:,.0f}"]
        if task.dataset == "synthetic":
            gflops = _gflops(task, n_train, result.train_seconds)
            cells += [f"{gflops:.1f}", f"{100 * gflops / peak[task.dtype]:.0f}%"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines + [""]


def _gemm_tables(gemm):
    """``{"numpy", "xla", "peak"}`` tables from either form ``markdown`` accepts."""
    if "numpy" in gemm:
        return gemm
    return {"numpy": gemm, "xla": {}, "peak": gemm}  # the older NumPy-only table


def _shape_text(shape):
    return " x ".join(map(str, shape))


def gemm_section(gemm):
    """The GEMM table: NumPy, XLA and the best of the two, GFLOP/s per dtype and shape.

    Parameters
    ----------
    gemm : dict
        :func:`benchmarks.machine.gemm_tables`, or a NumPy-only ``{dtype: {shape: GFLOP/s}}``.
    """
    tables = _gemm_tables(gemm)
    sources = [name for name in ("numpy", "xla", "peak") if tables.get(name)]
    titles = {"numpy": "NumPy", "xla": "XLA", "peak": "peak"}
    dtypes = list(tables["numpy"])
    columns = [f"{titles[source]} {dtype}" for dtype in dtypes for source in sources]
    lines = ["## Matrix products on this machine (GFLOP/s, best of repeated calls)", "",
             "NumPy: `a @ b` through NumPy's BLAS; XLA: `jax.jit(lambda a, b: a @ b)` on JAX's "
             "default device, timed to `block_until_ready`; peak: the better of the two "
             "(the % of GEMM peak above is against it).", "",
             "| m x k x n | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for shape in tables["numpy"][dtypes[0]]:
        cells = [f"{tables[source][dtype][shape]:.1f}" for dtype in dtypes for source in sources]
        lines.append(f"| {_shape_text(shape)} | {' | '.join(cells)} |")
    best = [f"**{max(tables[source][dtype].values()):.1f}**" for dtype in dtypes for source in sources]
    lines.append(f"| peak | {' | '.join(best)} |")
    return lines + [""]


def blas_section(libraries):
    """The BLAS and OpenMP libraries loaded in the benchmark's process (threadpoolctl).

    Parameters
    ----------
    libraries : list of dict
        :func:`benchmarks.machine.blas_libraries`.
    """
    lines = ["## BLAS kernels (threadpoolctl)", ""]
    if not libraries:
        return lines + ["threadpoolctl is not installed, or it found no BLAS library.", ""]
    lines += ["Architecture is the core type whose kernels OpenBLAS runs. XLA (mlp's engine) "
              "does not call these libraries: it multiplies with kernels built into jaxlib, "
              "which threadpoolctl does not list.", "",
              "| package | library | API | internal API | version | architecture | threads |",
              "|---|---|---|---|---|---|---|"]
    for library in libraries:
        cells = [library.get(key) for key in ("owner", "file", "user_api", "internal_api", "version",
                                              "architecture", "num_threads")]
        lines.append("| " + " | ".join("" if cell is None else str(cell) for cell in cells) + " |")
    return lines + [""]


def _building(rows):
    lines = ["## The cost of building (mlp, each line a fresh process; seconds)", "",
             "| architecture | activation | dtype | import mlp | first initialize() | "
             "next initialize() (median of 5) | first train() extra |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['architecture']} | {row['activation']} | {row['dtype']} | "
                     f"{row['import_seconds']:.3f} | {row['first_initialize']:.3f} | "
                     f"{row['next_initialize']:.4f} | {row['first_train_extra']:.3f} |")
    return lines + [
        "", "A first train() call compiles (or loads from the engine's disk cache) the training "
        "step; the extra is its time minus the median of the next five networks' first "
        "train() (one epoch of 256 random rows, batch 32).", ""]


def _seconds_pair(summary, key, minimum):
    if summary is None:
        return "n/a"
    return f"{summary[key]:.2f} ({summary[minimum]:.2f})"


def first_fit_section(first_fit):
    """The section "First fit in a fresh process (compile included)".

    Parameters
    ----------
    first_fit : dict or None
        :func:`benchmarks.first_fit.measure`; None when it was not run.
    """
    title = "## First fit in a fresh process (compile included)"
    if first_fit is None:
        return [title, "", "Not measured in this run (`--no-first-fit`, the default with "
                "`--quick`).", ""]
    lines = [title, "",
             "Each run is a whole new Python process, timing the import statement and then the "
             "first fit call on the 1,797 digits (training set score). The fit excludes the "
             "import. Cold: empty compile caches (a fresh temporary folder for mlp's "
             "cache of compiled programs and PyTensor's compile folder); warm: the same folders after "
             "one untimed process filled them. scikit-learn and PyTorch compile nothing: cold "
             "is a first process, warm a later one. Seconds: median (minimum) of "
             f"{first_fit['repeats']} process(es) per case and state; process s: the whole "
             "process seen from outside (interpreter start and loading the data included); "
             "ratio = scikit-learn fit seconds / this case's, of the medians (of the minimums): "
             "above 1, mlp's first fit is faster.", "",
             "| case | import s cold | import s warm | first fit s cold | first fit s warm | "
             "process s cold / warm | score | n_iter_ | scikit-learn / this, cold | "
             "scikit-learn / this, warm |", "|" + "---|" * 10]
    for name, case in first_fit["cases"].items():
        cold, warm = case.get("cold"), case.get("warm")
        state = cold or warm
        processes = " / ".join("n/a" if summary is None or summary.get("process_seconds") is None
                               else f"{summary['process_seconds']:.2f}" for summary in (cold, warm))
        ratio = case.get("ratio", {})
        ratios = [f"{ratio[state_name]:.2f} ({ratio[state_name + '_min']:.2f})"
                  if state_name in ratio else "n/a" for state_name in ("cold", "warm")]
        n_iter = "" if state is None or state["n_iter"] is None else f"{state['n_iter']:g}"
        cells = [name, _seconds_pair(cold, "import_seconds", "import_min"),
                 _seconds_pair(warm, "import_seconds", "import_min"),
                 _seconds_pair(cold, "fit_seconds", "fit_min"),
                 _seconds_pair(warm, "fit_seconds", "fit_min"), processes,
                 "n/a" if state is None else f"{state['score']:.4f}", n_iter] + ratios
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for name, case in first_fit["cases"].items():
        note = f"- {name}: `{case['code']}`"
        if case.get("cache"):
            note += "; the warm-up left " + ", ".join(
                f"{files} files ({size / 1e6:.1f} MB) in {kind}'s cache"
                for kind, (files, size) in case["cache"].items())
        lines.append(note)
    for name, note in first_fit.get("skipped", {}).items():
        lines.append(f"- **{name} skipped**: {note}")
    for name, note in first_fit.get("failed", {}).items():
        lines.append(f"- **{name} FAILED**: {note.splitlines()[0] if note else ''}")
    return lines + [""]


def memory_section(memory):
    """The section "Peak memory of a large fit".

    Parameters
    ----------
    memory : dict or None
        :func:`benchmarks.memory.measure`; None when it was not run.
    """
    title = "## Peak memory of a large fit (resident memory, fresh processes)"
    if memory is None:
        return [title, "", "Not measured in this run (`--no-memory`, the default with `--quick`).", ""]
    dense_megabytes = memory["dense_bytes"] / 1e6
    lines = [title, "",
             f"`MLPClassifier(hidden_layer_sizes=(256,), max_iter=2, batch_size=256).fit(X, y)` on "
             f"a {memory['rows']:,} x {memory['features']} float32 X ({dense_megabytes:.0f} MB dense; "
             "random values, 10 classes, fixed seed), each in a new process. Before fit: resident "
             "memory after the imports and making X; peak: the process's `ru_maxrss` after fit; "
             "added: peak minus before fit, also in multiples of the dense X. JAX allocates "
             "outside Python's allocator, so the operating system's count is the one that sees "
             "every copy. mlp runs with an empty compile cache (the compiler's memory counts) "
             "and then with the cache that run filled.", "",
             "| library | X | compile cache | X MB | before fit MB | peak MB | added MB | "
             "added / dense X | fit s |", "|" + "---|" * 9]
    for run in memory["runs"]:
        added = run["added_bytes"]
        cells = [run["case"], run["format"], run["cache"], f"{run['x_bytes'] / 1e6:.0f}",
                 f"{run['before_bytes'] / 1e6:.0f}", f"{run['peak_bytes'] / 1e6:.0f}",
                 f"{added / 1e6:.0f}", f"{added / memory['dense_bytes']:.2f}", f"{run['fit_seconds']:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines + [""]


def new_shapes_section(new_shapes):
    """The section of :func:`benchmarks.new_shapes.measure`'s results (none when None)."""
    if new_shapes is None:
        return []
    from benchmarks.new_shapes import report as new_shapes_report

    table, _ = new_shapes_report(new_shapes)
    return ["## First fit of each new table shape (`python -m benchmarks.new_shapes`)", "",
            "The default `MLPClassifier` / `MLPRegressor` on 13 real tables behind the usual "
            "pipeline (impute, scale, one-hot; fitted first, not timed), one after another; "
            "scikit-learn's in a process of its own. Empty caches: one fresh process with an "
            "empty cache folder fits every table in turn (mlp's background compilation "
            "starting at its first compile). Other shapes cached: each table in a fresh "
            "process whose folder holds only the programs the other tables need. Ratios are "
            "scikit-learn's fit seconds over mlp's: above 1, mlp's fit is faster.", "",
            table, ""]


def markdown(info, tasks, n_train, results, gemm, building, first_fit=None, memory=None,
             new_shapes=None):
    """The whole report as Markdown text.

    Parameters
    ----------
    info : dict
        The run: ``machine`` (:func:`benchmarks.machine.describe`), ``quick``, ``repeats``,
        ``skipped``, ``warmup``, ``torch_threads``, ``load``, ``wall_seconds``, and
        optionally ``notes`` (lines appended at the end).
    tasks : list of Task
    n_train : dict
        Training rows per task name.
    results : dict
        ``{task name: {library: Result}}``.
    gemm : dict
        :func:`benchmarks.machine.gemm_tables` (NumPy, XLA and the peak), or the older
        NumPy-only ``{dtype: {shape: GFLOP/s}}``.
    building : list of dict
        :func:`benchmarks.building.measure_in_subprocess` rows.
    first_fit : dict, optional
        :func:`benchmarks.first_fit.measure`; None when not measured.
    memory : dict, optional
        :func:`benchmarks.memory.measure`; None when not measured.
    new_shapes : dict, optional
        :func:`benchmarks.new_shapes.measure`; None when not measured.
    """
    peers = [library for library in results[tasks[0].name] if library != BASELINE]
    peak = {dtype: max(values.values()) for dtype, values in _gemm_tables(gemm)["peak"].items()}
    lines = (_header(info) + _summary(tasks, results, peers) + first_fit_section(first_fit)
             + new_shapes_section(new_shapes))
    lines += ["## Per task", "", "Build: mlp `initialize()` plus compiling its training program "
              "(or loading it from the cache), run on stand-in data of the task's size (freed "
              "again: training copies its own); PyTorch: model and optimizer; the scikit-learn style "
              "estimators build inside `fit` (counted in train). Accuracy: test split "
              "(XOR: the four points). GFLOP/s = 6 x rows x weights x epochs / train seconds; "
              "% of GEMM peak: against the better of NumPy's and XLA's best matrix product "
              "in the task's dtype (see below).", ""]
    for task in tasks:
        lines += _details(task, n_train[task.name], results[task.name], peak)
    lines += gemm_section(gemm) + blas_section(info["machine"].get("blas", []))
    lines += _building(building) + memory_section(memory) + info.get("notes", [])
    return "\n".join(lines) + "\n"


def chart(path, tasks, results):
    """Bars of build + train seconds per library, one panel per task."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(tasks), figsize=(4 * len(tasks), 4.2))
    for axis, task in zip(axes if len(tasks) > 1 else [axes], tasks):
        row = results[task.name]
        names = list(row)
        build = [row[name].build_seconds for name in names]
        train = [row[name].train_seconds for name in names]
        low = [train[i] - row[name].spread[0] for i, name in enumerate(names)]
        high = [row[name].spread[1] - train[i] for i, name in enumerate(names)]
        positions = range(len(names))
        axis.bar(positions, build, color="#bbbbbb", label="build")
        axis.bar(positions, train, bottom=build, yerr=[low, high], capsize=3,
                 color=["#1f77b4" if name == BASELINE else "#ff7f0e" for name in names],
                 label="train")
        base = row[BASELINE].train_seconds
        for position, seconds, extra in zip(positions, train, build):
            axis.annotate(f"{seconds / base:.2f}x", (position, seconds + extra), ha="center",
                          va="bottom", fontsize=8)
        labels = [name.replace(" ", "\n").replace(".", ".\n") for name in names]
        axis.set_xticks(list(positions), labels, fontsize=8)
        axis.set_title(task.name)
        axis.set_ylabel("seconds (build + train); train time / mlp's on top")
    axes_list = axes if len(tasks) > 1 else [axes]
    axes_list[0].legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
