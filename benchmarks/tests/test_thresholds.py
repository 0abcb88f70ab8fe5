"""``python -m benchmarks.thresholds``: its cases cover each choice on both sides of
mlp's constant, each case's "mlp makes it" matches the constants, forcing a choice
reaches the code that makes it, and one case times end to end in child processes."""

import numpy
import pytest

from benchmarks import thresholds
from mlp.engine import pytensor_loader
from mlp.runtime import loops


def _weights(architecture):
    return [numpy.zeros((n_out, n_in)) for n_in, n_out in zip(architecture[:-1], architecture[1:])]


def test_each_choice_is_timed_on_both_sides():
    sides = {}
    for case in thresholds.cases():
        sides.setdefault(case.choice, set()).add(case.chosen)
    assert sides["paired"] == {True, False}
    assert sides["copied"] == {True, False}
    assert True in sides["unrolled"]


def test_paired_cases_say_what_mlp_does():
    for case in thresholds.cases():
        if case.choice == "paired":
            assert loops._pairs_pay(_weights(case.task.architecture)) == case.chosen, case


def test_copied_cases_say_what_mlp_does_for_the_largest_product():
    for case in thresholds.cases():
        if case.choice == "copied":
            sizes = case.task.architecture
            largest = max(zip(sizes[:-1], sizes[1:]), key=lambda pair: pair[0] * pair[1])
            assert pytensor_loader._copy_pays(case.task.batch_size, largest[1], largest[0]) \
                == case.chosen, case


@pytest.mark.parametrize("on", [True, False])
def test_forcing_a_choice_reaches_its_rule(monkeypatch, on):
    monkeypatch.setattr(loops, "_PAIRED_WEIGHTS", loops._PAIRED_WEIGHTS)
    monkeypatch.setattr(loops, "_FULL_BATCH_UNROLL", loops._FULL_BATCH_UNROLL)
    monkeypatch.setattr(pytensor_loader, "_copy_pays", pytensor_loader._copy_pays)
    for choice in ("paired", "copied", "unrolled"):
        thresholds._force(choice, on)
    assert loops._pairs_pay(_weights((2, 2, 2))) == on
    assert loops._pairs_pay(_weights((256, 512, 512, 10))) == on
    assert pytensor_loader._copy_pays(64, 256, 256) == on
    assert pytensor_loader._copy_pays(256, 512, 512) == on
    assert loops._FULL_BATCH_UNROLL == (4 if on else 1)


@pytest.mark.slow
def test_one_case_times_both_ways(tmp_path):
    case = thresholds.cases(quick=True)[-1]  # XOR, full batch
    assert thresholds.cases(quick=True)[0].task.epochs == 2  # digits, shrunk
    seconds = [thresholds._run_child(len(thresholds.cases()) - 1, on, 1, True,
                                     str(tmp_path / str(on))) for on in (True, False)]
    assert case.choice == "unrolled"
    assert all(value > 0 for value in seconds)
    table = thresholds.markdown([(case, seconds[0], seconds[1], seconds[1] / seconds[0])],
                                "a CPU")
    assert "| unrolled | XOR" in table and table.startswith("a CPU")
