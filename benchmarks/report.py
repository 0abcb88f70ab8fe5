"""The results as a Markdown table and a PNG chart."""

__all__ = ["markdown", "chart"]

BASELINE = "mlp"


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


def _gemm(gemm):
    dtypes = list(gemm)
    lines = ["## NumPy GEMM on this machine (GFLOP/s, best of repeated calls)", "",
             "| m x k x n | " + " | ".join(dtypes) + " |", "|---|" + "---|" * len(dtypes)]
    for shape in next(iter(gemm.values())):
        values = " | ".join(f"{gemm[dtype][shape]:.1f}" for dtype in dtypes)
        lines.append(f"| {' x '.join(map(str, shape))} | {values} |")
    peaks = " | ".join(f"**{max(gemm[dtype].values()):.1f}**" for dtype in dtypes)
    lines.append(f"| peak | {peaks} |")
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


def markdown(info, tasks, n_train, results, gemm, building):
    """The whole report as Markdown text."""
    peers = [library for library in results[tasks[0].name] if library != BASELINE]
    peak = {dtype: max(values.values()) for dtype, values in gemm.items()}
    lines = _header(info) + _summary(tasks, results, peers)
    lines += ["## Per task", "", "Build: mlp `initialize()` plus the training step's compile "
              "(or in-process copy); PyTorch: model and optimizer; the scikit-learn style "
              "estimators build inside `fit` (counted in train). Accuracy: test split "
              "(XOR: the four points). GFLOP/s = 6 x rows x weights x epochs / train seconds.", ""]
    for task in tasks:
        lines += _details(task, n_train[task.name], results[task.name], peak)
    lines += _gemm(gemm) + _building(building) + info.get("notes", [])
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
