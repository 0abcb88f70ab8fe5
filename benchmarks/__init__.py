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
- ``memory.py``: the peak resident memory of a 100,000 x 256 float32 fit, mlp's and
  scikit-learn's, dense and sparse, in fresh processes (``python -m benchmarks.memory``);
- ``dask_search.py``: a GridSearchCV on a Dask LocalCluster against loky, and a worker's
  first fit (``python -m benchmarks.dask_search``; not part of ``python -m benchmarks``);
- ``report.py``: the Markdown table and the PNG chart;
- ``compare.py``: the command line;
- ``device.py``: mlp's speed tasks on whatever device JAX has (``python -m benchmarks.device``).

Measure with ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks``: the
report says whether those variables were set, and warns when they were.
"""
