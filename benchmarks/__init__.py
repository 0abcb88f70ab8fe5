"""Speed benchmarks of mlp against scikit-learn and PyTorch (``python -m benchmarks``).

- ``tasks.py``: the data sets and the shared settings of each task;
- ``run_mlp.py``, ``run_estimator.py``, ``run_sklearn.py``, ``run_torch.py``: one runner
  per library, each training the same network with the same hyperparameters;
- ``machine.py``: the machine's description (BLAS kernels, JAX devices) and its GEMM
  peak, NumPy's and XLA's;
- ``timing.py``: interleaved repeats and their medians;
- ``building.py``: the cost of the first network of a kind in a fresh process;
- ``first_fit.py`` (and ``first_fit_child.py``, the child process): each library's import
  and first fit as users meet them, in fresh processes, with cold and warm compile caches;
- ``report.py``: the Markdown table and the PNG chart;
- ``compare.py``: the command line;
- ``device.py``: mlp's speed tasks on whatever device JAX has (``python -m benchmarks.device``).

Measure with ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks``: the
report says whether those variables were set, and warns when they were.
"""
