"""The child process of ``python -m benchmarks.tabular`` that fits pytabkit's
RealMLP-TD (PyTorch) in its own virtual environment, so that mlp's needs no torch.

Run as ``python -m benchmarks.tabular_pytabkit TABLE SEED`` with the repository on
``PYTHONPATH``; prints one JSON line ``{"error": ..., "fit_seconds": ...}``.
"""

import json
import os
import sys
import time

from benchmarks.tabular_split import error, split


def main(table, seed):
    from pytabkit import RealMLP_TD_Classifier, RealMLP_TD_Regressor

    max_rows = int(os.environ.get("TABULAR_MAX_ROWS", "5000"))
    task, X_train, X_test, y_train, y_test = split(table, seed, max_rows=max_rows)
    # RealMLP-TD refuses NaN in numeric columns ("currently not allowed"): they get the
    # training rows' medians, as a user of it must do.
    numeric = X_train.select_dtypes("number").columns
    medians = X_train[numeric].median()
    X_train, X_test = X_train.copy(), X_test.copy()
    X_train[numeric] = X_train[numeric].fillna(medians)
    X_test[numeric] = X_test[numeric].fillna(medians)
    kind = RealMLP_TD_Classifier if task == "classification" else RealMLP_TD_Regressor
    model = kind(random_state=seed, n_threads=2, device="cpu", verbosity=0)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    print(json.dumps({"error": error(task, y_test, model.predict(X_test)), "fit_seconds": seconds}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
