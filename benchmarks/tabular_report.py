"""The summary of ``python -m benchmarks.tabular``: per-table error of each model
(mean over seeds), each model's mean rank, geometric mean of error / best, and total
fit seconds, as a Markdown table."""

import math

import numpy

__all__ = ["summary", "markdown"]

# Errors are floored here before ratios are taken: a table that one model solves
# perfectly (error 0) would otherwise make every other model's ratio infinite.
ERROR_FLOOR = 0.005


def summary(results, models):
    """``(tables, per_table, ranks, geometric, seconds)`` from ``results``, a list of
    dicts with ``table``, ``model``, ``seed``, ``error`` and ``fit_seconds``; models
    without a result on every table are left out of the ranks."""
    tables = sorted({row["table"] for row in results}, key=[row["table"] for row in results].index)
    per_table, seconds = {}, {}
    for model in models:
        rows = [row for row in results if row["model"] == model]
        if not rows:
            continue
        seconds[model] = sum(row["fit_seconds"] for row in rows)
        per_table[model] = {table: float(numpy.mean([row["error"] for row in rows if row["table"] == table]))
                            for table in tables if any(row["table"] == table for row in rows)}
    ranked = [model for model in per_table if len(per_table[model]) == len(tables)]
    ranks = {model: [] for model in ranked}
    ratios = {model: [] for model in ranked}
    for table in tables:
        errors = {model: per_table[model][table] for model in ranked}
        best = max(min(errors.values()), ERROR_FLOOR)
        order = sorted(errors.values())
        for model, value in errors.items():
            # Ties share the mean of their ranks.
            positions = [index + 1 for index, other in enumerate(order) if other == value]
            ranks[model].append(float(numpy.mean(positions)))
            ratios[model].append(max(value, ERROR_FLOOR) / best)
    mean_ranks = {model: float(numpy.mean(values)) for model, values in ranks.items()}
    geometric = {model: math.exp(numpy.mean(numpy.log(values))) for model, values in ratios.items()}
    return tables, per_table, mean_ranks, geometric, seconds


def markdown(results, models, notes=()):
    """The Markdown report: the per-table errors, then the summary rows."""
    tables, per_table, ranks, geometric, seconds = summary(results, models)
    shown = list(per_table)
    lines = ["| table | " + " | ".join(shown) + " |", "|---" * (len(shown) + 1) + "|"]
    for table in tables:
        cells = [f"{per_table[model][table]:.4f}" if table in per_table[model] else "-" for model in shown]
        lines.append(f"| {table} | " + " | ".join(cells) + " |")
    lines.append("| **mean rank** | " + " | ".join(
        f"{ranks[model]:.2f}" if model in ranks else "-" for model in shown) + " |")
    lines.append("| **geometric mean of error / best** | " + " | ".join(
        f"{geometric[model]:.3f}" if model in geometric else "-" for model in shown) + " |")
    lines.append("| **fit seconds, all tables and seeds** | " + " | ".join(
        f"{seconds[model]:.1f}" for model in shown) + " |")
    lines.extend(f"\n{note}" for note in notes)
    return "\n".join(lines) + "\n"
