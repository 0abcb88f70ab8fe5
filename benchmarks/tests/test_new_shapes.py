"""``python -m benchmarks.new_shapes`` on two small tables: every run happens, and a table
whose bucket another table shares loads that table's program in a new process."""

import pytest

from benchmarks import new_shapes
from mlp import engine


@pytest.mark.slow
@pytest.mark.skipif(engine.jax is None, reason="Theano's programs are not saved")
def test_two_regression_tables_of_one_bucket_share_their_program():
    results = new_shapes.measure(["diabetes", "penguins_mass"], epochs=2, log=lambda line: None)
    assert [row["table"] for row in results["filled"]] == ["diabetes", "penguins_mass"]
    for row in results["empty"] + results["filled"]:
        assert row["first"] > 0 and row["sklearn"] > 0
    # 10 and 12 columns after encoding, 353 and 273 rows: both in the 16-column,
    # 4,096-row bucket, so each finds the other's program on disk.
    assert [row["compiles"] for row in results["filled"]] == [0, 0]
    assert [row["loaded"] for row in results["filled"]] == [1, 1]
    table, medians = new_shapes.report(results)
    assert "| diabetes | 353 x 10, regression |" in table and set(medians) == {"empty", "filled", "second"}
