"""The benchmarks' tests start no background compilation (mlp.runtime.precompile)."""

import os

os.environ["MLP_PRECOMPILE"] = "0"
