"""Speed benchmarks of mlp against scikit-learn and PyTorch (``python -m benchmarks``).

- ``tasks.py``: the data sets and the shared settings of each task;
- ``run_mlp.py``, ``run_estimator.py``, ``run_sklearn.py``, ``run_torch.py``: one runner
  per library, each training the same network with the same hyperparameters;
- ``machine.py``: the machine's description and its GEMM peak;
- ``timing.py``: interleaved repeats and their medians;
- ``building.py``: the cost of the first network of a kind in a fresh process;
- ``report.py``: the Markdown table and the PNG chart;
- ``compare.py``: the command line.
"""
