"""MLPClassifier: scikit-learn's estimator checks, its tools, and accuracy beside sklearn's."""

import pickle
import re
import warnings
from types import SimpleNamespace

import numpy
import pytest
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import check_estimator

from mlp.sklearn.classifier import MLPClassifier


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def test_check_estimator_passes():
    # Small and quick, yet enough to pass check_classifiers_train (accuracy > 0.83
    # on blobs); every check passes, none is marked as an expected failure.
    results = check_estimator(
        MLPClassifier((10,), learning_rate_init=0.01, max_iter=100, random_state=0), on_fail=None
    )
    failed = [(r["check_name"], r["exception"]) for r in results if r["status"] == "failed"]
    assert failed == []


@pytest.mark.parametrize("dataset, scale", [(load_iris, False), (load_breast_cancer, True),
                                            (load_digits, True)])
@pytest.mark.parametrize("settings", [
    dict(solver="sgd", learning_rate_init=0.1, max_iter=500),
    dict(solver="adam", learning_rate_init=0.01, max_iter=500),
    dict(solver="lbfgs", max_iter=500),
], ids=["sgd", "adam", "lbfgs"])
def test_accuracy_matches_sklearn(dataset, scale, settings):
    X, y = dataset(return_X_y=True)
    differences = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # A split and initial weights per seed, the same for both: a seed moves a small
        # test set (45 rows of iris) by a row or two either way, and so does a machine
        # whose rounding differs. The tolerance is three standard errors of the mean
        # difference over the seeds (at least 0.01): several times that noise.
        for seed in range(5):
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=0.3, stratify=y, random_state=seed)
            if scale:
                scaler = StandardScaler().fit(X_train)
                X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
            ours = (MLPClassifier((30,), random_state=seed, **settings)
                    .fit(X_train, y_train).score(X_test, y_test))
            theirs = (SklearnMLPClassifier((30,), random_state=seed, **settings)
                      .fit(X_train, y_train).score(X_test, y_test))
            differences.append(ours - theirs)
    standard_error = numpy.std(differences, ddof=1) / numpy.sqrt(len(differences))
    assert numpy.mean(differences) >= -max(0.01, 3 * standard_error), differences


def test_pipeline_grid_search_and_cross_val_score(iris):
    X, y = iris
    pipeline = Pipeline([("scale", StandardScaler()),
                         ("mlp", MLPClassifier((10,), solver="lbfgs", max_iter=200, random_state=0))])
    assert pipeline.fit(X, y).score(X, y) > 0.95
    search = GridSearchCV(pipeline, {"mlp__hidden_layer_sizes": [(5,), (10,)],
                                     "mlp__alpha": [1e-4, 1e-2]}, cv=3)
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_score_ > 0.9
    scores = cross_val_score(pipeline, X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.9


def test_string_labels_and_fitted_attributes(iris):
    X, y = iris
    names = numpy.array(["setosa", "versicolor", "virginica"])[y]
    classifier = MLPClassifier((8, 6), solver="lbfgs", max_iter=300, random_state=0).fit(X, names)
    assert list(classifier.classes_) == ["setosa", "versicolor", "virginica"]
    assert set(classifier.predict(X)) <= set(names)
    assert classifier.score(X, names) > 0.95
    assert [c.shape for c in classifier.coefs_] == [(4, 8), (8, 6), (6, 3)]
    assert [b.shape for b in classifier.intercepts_] == [(8,), (6,), (3,)]
    assert classifier.n_layers_ == 4 and classifier.n_outputs_ == 3
    assert classifier.out_activation_ == "softmax" and classifier.n_features_in_ == 4
    probabilities = classifier.predict_proba(X)
    numpy.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    with numpy.errstate(divide="ignore"):  # a saturated softmax gives log(0) = -inf, as sklearn's
        numpy.testing.assert_allclose(classifier.predict_log_proba(X), numpy.log(probabilities))


def test_loss_includes_sklearn_scaled_l2_term(iris):
    X, y = iris
    classifier = MLPClassifier((10,), solver="lbfgs", alpha=1.0, max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        classifier.fit(X, y)
    probabilities = classifier.predict_proba(X)
    cross_entropy = -numpy.mean(numpy.log(probabilities[numpy.arange(len(y)), y]))
    l2 = 0.5 * 1.0 * sum(numpy.sum(c**2) for c in classifier.coefs_) / len(y)
    assert classifier.loss_ == pytest.approx(cross_entropy + l2, rel=1e-6)


def test_early_stopping_attributes(iris):
    X, y = iris
    classifier = MLPClassifier((10,), learning_rate_init=0.01, early_stopping=True,
                               max_iter=300, random_state=0).fit(X, y)
    assert classifier.best_loss_ is None
    assert len(classifier.validation_scores_) == classifier.n_iter_
    assert len(classifier.validation_loss_curve_) == classifier.n_iter_
    assert classifier.t_ == classifier.n_iter_ * 135
    # scikit-learn's rule: stop on the validation accuracy and keep its best epoch.
    assert classifier.best_validation_score_ == max(classifier.validation_scores_)


def test_early_stopping_scores_as_scikit_learn(iris):
    # Unscaled iris, one step an epoch, 15 validation rows: one seed's best score moves
    # by 0.2 or more between initialisations in either library, so compare means.
    X, y = iris
    settings = dict(hidden_layer_sizes=(10,), learning_rate_init=0.01, early_stopping=True,
                    max_iter=300)
    ours = [MLPClassifier(random_state=seed, **settings).fit(X, y) for seed in range(10)]
    theirs = [SklearnMLPClassifier(random_state=seed, **settings).fit(X, y) for seed in range(10)]
    best = numpy.mean([model.best_validation_score_ for model in ours])
    assert best >= numpy.mean([model.best_validation_score_ for model in theirs]) - 0.15
    epochs = numpy.mean([model.n_iter_ for model in ours])
    assert epochs <= 2 * numpy.mean([model.n_iter_ for model in theirs])


def test_predict_before_fit_raises_not_fitted(iris):
    with pytest.raises(NotFittedError):
        MLPClassifier().predict(iris[0])


def test_wrong_number_of_features_names_both(iris):
    X, y = iris
    classifier = MLPClassifier((5,), solver="lbfgs", max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        classifier.fit(X, y)
    with pytest.raises(ValueError, match=r"3 features.*expecting 4 features"):
        classifier.predict(X[:, :3])


@pytest.mark.parametrize("parameters, name", [
    (dict(hidden_layer_sizes=(0,)), "hidden_layer_sizes"),
    (dict(hidden_layer_sizes=0), "hidden_layer_sizes"),
    (dict(alpha=-1), "alpha"),
    (dict(solver="foo"), "solver"),
    (dict(momentum=1.5), "momentum"),
    (dict(n_init=0), "n_init"),
    (dict(class_weight="foo"), "class_weight"),
    (dict(dtype="int8"), "dtype"),
])
def test_bad_parameters_raise_invalid_parameter_error(iris, parameters, name):
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        MLPClassifier(**parameters).fit(*iris)


def test_convergence_warning_on_small_max_iter(iris):
    with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(3\\)"):
        MLPClassifier((5,), max_iter=3, random_state=0).fit(*iris)


def test_pickle_round_trip_predicts_the_same(iris):
    X, y = iris
    classifier = MLPClassifier((10,), solver="lbfgs", max_iter=200, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(classifier))
    assert restored._get_network() is not classifier._get_network()
    numpy.testing.assert_array_equal(restored.predict_proba(X), classifier.predict_proba(X))
    numpy.testing.assert_array_equal(restored.predict(X), classifier.predict(X))


def test_class_weight_balanced_changes_the_fit():
    X, y = make_classification(n_samples=300, n_features=5, weights=[0.9, 0.1], class_sep=0.5,
                               random_state=0)
    parameters = dict(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=200, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = MLPClassifier(**parameters).fit(X, y)
        balanced = MLPClassifier(class_weight="balanced", **parameters).fit(X, y)
    minority = y == 1
    # Weighting the rare class up makes the model predict it more often.
    assert (balanced.predict(X) == 1).sum() > (plain.predict(X) == 1).sum()
    assert balanced.predict_proba(X[minority])[:, 1].mean() > plain.predict_proba(X[minority])[:, 1].mean()


def test_n_init_keeps_the_best_of_its_seeds(iris):
    X, y = iris
    parameters = dict(hidden_layer_sizes=(3,), learning_rate_init=0.01, max_iter=30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        best = MLPClassifier(n_init=3, random_state=5, **parameters).fit(X, y)
        # With an integer random_state, initialisation i uses the seed random_state + i.
        singles = [MLPClassifier(random_state=seed, **parameters).fit(X, y).loss_ for seed in (5, 6, 7)]
    assert len(set(singles)) == 3
    assert best.loss_ == pytest.approx(min(singles))
    assert all(best.loss_ <= loss for loss in singles)


def test_partial_fit_over_several_calls_reduces_the_loss(iris):
    X, y = iris
    X = StandardScaler().fit_transform(X)
    classifier = MLPClassifier((10,), learning_rate_init=0.01, random_state=0)
    with pytest.raises(ValueError, match="classes"):
        classifier.partial_fit(X, y)
    classifier.partial_fit(X, y, classes=[0, 1, 2])
    first = classifier.loss_
    for _ in range(30):
        classifier.partial_fit(X, y)
    assert classifier.n_iter_ == 1 and len(classifier.loss_curve_) == 31
    assert classifier.t_ == 31 * len(y)
    assert classifier.loss_ < 0.5 * first
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")


def test_warm_start_continues_from_the_previous_weights(iris):
    X, y = iris
    X = StandardScaler().fit_transform(X)
    parameters = dict(hidden_layer_sizes=(10,), learning_rate_init=0.01, max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        classifier = MLPClassifier(warm_start=True, **parameters).fit(X, y)
        first = classifier.loss_
        classifier.fit(X, y)
    assert len(classifier.loss_curve_) == 40
    assert classifier.loss_ < first


def test_float32_and_sparse_input(iris):
    from scipy import sparse

    X, y = iris
    classifier = make_pipeline(StandardScaler(), MLPClassifier((10,), solver="lbfgs", max_iter=200,
                                                               dtype="float32", random_state=0))
    classifier.fit(X.astype(numpy.float32), y)
    assert classifier[-1].coefs_[0].dtype == numpy.float32
    assert classifier.score(X, y) > 0.95
    dense = MLPClassifier((10,), solver="lbfgs", max_iter=100, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense.fit(X, y)
    numpy.testing.assert_allclose(dense.predict_proba(sparse.csr_matrix(X)), dense.predict_proba(X))


def test_save_and_load_a_fitted_estimator(tmp_path):
    import mlp
    from mlp.io.model_file import ModelFileError

    X, y = load_iris(return_X_y=True)
    labels = numpy.array(["setosa", "versicolor", "virginica"])[y]
    estimator = MLPClassifier(hidden_layer_sizes=(6,), max_iter=30, random_state=0,
                              class_weight={"setosa": 2.0, "virginica": 1.0})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator.fit(X, labels)
    path = tmp_path / "iris.npz"
    mlp.save(estimator, path)
    with numpy.load(path, allow_pickle=False) as archive:
        assert "coefs_0" in archive.files
    loaded = mlp.load(path)
    assert isinstance(loaded, MLPClassifier)
    numpy.testing.assert_array_equal(loaded.predict_proba(X), estimator.predict_proba(X))
    assert loaded.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    assert loaded.get_params() == estimator.get_params()
    assert loaded.loss_curve_ == estimator.loss_curve_ and loaded.n_iter_ == estimator.n_iter_
    header, arrays = mlp.io.model_file.read_model(path)
    arrays["coefs_1"] = arrays["coefs_1"][:, :2]
    mlp.io.model_file.write_model(tmp_path / "edited.npz", header, arrays)
    with pytest.raises(ModelFileError, match="edited.npz"):
        mlp.load(tmp_path / "edited.npz")


def test_multilabel_indicator_targets_like_sklearn():
    from sklearn.datasets import make_multilabel_classification

    X, Y = make_multilabel_classification(n_samples=300, n_features=10, n_classes=4, random_state=0)
    X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=0.3, random_state=0)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    settings = dict(hidden_layer_sizes=(30,), solver="adam", learning_rate_init=0.01, max_iter=300,
                    random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = MLPClassifier(**settings).fit(X_train, Y_train)
        theirs = SklearnMLPClassifier(**settings).fit(X_train, Y_train)
    assert ours.out_activation_ == theirs.out_activation_ == "logistic"
    assert ours.classes_.tolist() == theirs.classes_.tolist() == [0, 1, 2, 3]
    predicted = ours.predict(X_test)
    assert predicted.shape == Y_test.shape and set(numpy.unique(predicted)) <= {0, 1}
    probabilities = ours.predict_proba(X_test)
    assert probabilities.shape == (len(X_test), 4) and not numpy.allclose(probabilities.sum(axis=1), 1)
    # Subset accuracy (every label of a row right), as scikit-learn scores multilabel.
    assert ours.score(X_test, Y_test) >= theirs.score(X_test, Y_test) - 0.05
    assert ours.n_outputs_ == 4 and ours.coefs_[-1].shape == (30, 4)
    warm = MLPClassifier(hidden_layer_sizes=(5,), max_iter=5, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warm.fit(X_train, Y_train)
        with pytest.raises(ValueError, match="y has 3 label columns"):
            warm.fit(X_train, Y_train[:, :3])


def _numbers_as_n(text):
    """``text`` with every number replaced by N: the shape of a message or a line."""
    return re.sub(r"\d+(\.\d+)?", "N", text)


@pytest.mark.parametrize("limit", [dict(max_fun=5), dict(max_iter=3)], ids=["max_fun", "max_iter"])
def test_lbfgs_limits_warn_in_sklearns_words(iris, limit):
    X, y = iris
    X = StandardScaler().fit_transform(X)
    settings = dict(hidden_layer_sizes=(10,), solver="lbfgs", random_state=0, **limit)
    with pytest.warns(ConvergenceWarning, match=r"lbfgs failed to converge after \d+ iteration\(s\) "
                                                r"\(status=1\)") as ours:
        classifier = MLPClassifier(**settings).fit(X, y)
    with pytest.warns(ConvergenceWarning) as theirs:
        SklearnMLPClassifier(**settings).fit(X, y)
    ours, theirs = ([_numbers_as_n(str(w.message)) for w in record if w.category is ConvergenceWarning]
                    for record in (ours, theirs))
    assert ours == theirs and len(ours) == 1
    if "max_fun" in limit:
        assert 1 <= classifier.n_iter_ <= 5
        assert "max_iter" not in ours[0]
    else:
        assert classifier.n_iter_ == 3
        assert "Increase the number of iterations to improve the convergence (max_iter=N)" in ours[0]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_verbose_prints_sklearns_lines_and_no_progress_bar(iris, capsys):
    X, y = iris
    X = StandardScaler().fit_transform(X)
    settings = dict(hidden_layer_sizes=(10,), learning_rate_init=0.01, random_state=0)

    def printed(estimator, fit):
        fit(estimator)
        captured = capsys.readouterr()
        assert "attempt" not in captured.err  # no tqdm bar
        return captured.out.splitlines()

    assert printed(MLPClassifier(max_iter=3, **settings), lambda m: m.fit(X, y)) == []
    for extra in (dict(max_iter=3), dict(max_iter=3, early_stopping=True),
                  dict(max_iter=50, tol=10.0, n_iter_no_change=2)):
        classifier = MLPClassifier(verbose=True, **settings, **extra)
        ours = printed(classifier, lambda m: m.fit(X, y))
        theirs = printed(SklearnMLPClassifier(verbose=True, **settings, **extra), lambda m: m.fit(X, y))
        assert [_numbers_as_n(line) for line in ours] == [_numbers_as_n(line) for line in theirs]
        iterations = [line for line in ours if line.startswith("Iteration")]
        assert iterations == [f"Iteration {i + 1}, loss = {loss:.8f}"
                              for i, loss in enumerate(classifier.loss_curve_)]
        if classifier.early_stopping:
            assert [line for line in ours if line.startswith("Validation")] == [
                f"Validation score: {score:f}" for score in classifier.validation_scores_]
    assert ours[-1] == ("Training loss did not improve more than tol=10.000000 for 2 consecutive "
                        "epochs. Stopping.")
    classifier = MLPClassifier(verbose=True, **settings)
    for _ in range(2):
        lines = printed(classifier, lambda m: m.partial_fit(X, y, classes=[0, 1, 2]))
        assert lines == [f"Iteration 1, loss = {classifier.loss_curve_[-1]:.8f}"]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_early_stopping_splits_as_sklearns_train_test_split():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    labels = numpy.array(["benign", "malignant"])[y]
    classifier = MLPClassifier((10,), learning_rate_init=0.01, max_iter=20, early_stopping=True,
                               validation_fraction=0.2, random_state=3).fit(X, labels)
    # scikit-learn's split of a binary problem: stratified on its binarized y, drawn from
    # the RandomState(3) that drew its 30-10-1 network's initial weights, after them.
    random_state = numpy.random.RandomState(3)
    random_state.uniform(size=30 * 10 + 10 + 10 * 1 + 1)
    X_train, X_val, _, labels_val = train_test_split(
        X, labels, test_size=0.2, random_state=random_state,
        stratify=(labels == "malignant").reshape(-1, 1))
    assert classifier.t_ == classifier.n_iter_ * len(X_train)
    # The kept weights are those of the best validation epoch, scored on these rows.
    assert classifier.score(X_val, labels_val) == classifier.best_validation_score_
    assert classifier.best_validation_score_ in classifier.validation_scores_


def test_early_stopping_refuses_what_sklearns_split_refuses(iris):
    X, y = iris
    cases = [
        # A binary problem with a single member of a class: the stratified split refuses it.
        (X[:51], y[:51], r"least populated class"),
        # Ten rows of a binary problem: one validation row cannot hold both classes.
        (X[45:55], y[45:55], r"should be greater or equal to the number of classes"),
        # Ten rows of three classes (a plain shuffle) leave one validation row.
        (X[numpy.r_[0:4, 50:53, 100:103]], y[numpy.r_[0:4, 50:53, 100:103]],
         r"The validation set is too small"),
    ]
    for X_part, y_part, match in cases:
        with pytest.raises(ValueError, match=match) as ours:
            MLPClassifier((5,), early_stopping=True, random_state=0).fit(X_part, y_part)
        with pytest.raises(ValueError) as theirs:
            SklearnMLPClassifier((5,), early_stopping=True, random_state=0).fit(X_part, y_part)
        assert str(ours.value) == str(theirs.value)
    # As scikit-learn's, a multiclass split is not stratified: a single member is no error.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        keep = numpy.r_[0:100, 100]
        MLPClassifier((5,), early_stopping=True, max_iter=5, random_state=0).fit(X[keep], y[keep])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_dtype_none_follows_the_training_data(iris, tmp_path):
    import mlp

    X, y = iris
    X32 = X.astype(numpy.float32)
    settings = dict(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=50, random_state=0)
    assert MLPClassifier().dtype is None
    cases = [(None, X32, numpy.float32), (None, X, numpy.float64),
             (None, X.astype(numpy.int64), numpy.float64),
             ("float64", X32, numpy.float64), ("float32", X, numpy.float32)]
    for dtype, inputs, expected in cases:
        classifier = MLPClassifier(dtype=dtype, **settings).fit(inputs, y)
        parameters = classifier.coefs_ + classifier.intercepts_
        assert all(array.dtype == expected for array in parameters), (dtype, inputs.dtype)
        assert classifier.predict_proba(inputs).dtype == expected
    classifier = MLPClassifier(**settings).fit(X32, y)
    assert classifier.score(X32, y) > 0.9
    # A warm start keeps the first fit's type.
    warm = MLPClassifier(warm_start=True, **settings).fit(X32, y).fit(X, y)
    assert warm.coefs_[0].dtype == numpy.float32
    # Unpickled and loaded models predict in the type they were trained in.
    expected = classifier.predict_proba(X32)
    mlp.save(classifier, tmp_path / "float32.npz")
    for restored in (pickle.loads(pickle.dumps(classifier)), mlp.load(tmp_path / "float32.npz")):
        assert restored.dtype is None and restored.coefs_[0].dtype == numpy.float32
        probabilities = restored.predict_proba(X32)
        assert probabilities.dtype == numpy.float32
        numpy.testing.assert_array_equal(probabilities, expected)


def test_divergence_is_a_value_error(iris):
    from mlp import DivergenceError

    X, y = iris
    classifier = MLPClassifier((8,), solver="sgd", learning_rate_init=1e150, max_iter=20,
                               random_state=0)
    with pytest.raises(ValueError, match=r"The cost became .*Try a smaller learning rate") as raised:
        classifier.fit(X * 1e150, y)
    assert isinstance(raised.value, DivergenceError) and isinstance(raised.value, FloatingPointError)


def test_fit_warns_as_sklearn_without_touching_the_warning_filters(iris, monkeypatch):
    import mlp.sklearn.base
    import mlp.sklearn.settings
    import mlp.training.loop
    from mlp import ConvergenceWarning as NetworkConvergenceWarning

    X, y = iris
    X = StandardScaler().fit_transform(X)
    # The front end and the training loop may only warn: catch_warnings or simplefilter,
    # which change process-wide state (not thread-safe), would raise AttributeError.
    for module in (mlp.sklearn.base, mlp.sklearn.settings, mlp.training.loop):
        monkeypatch.setattr(module, "warnings", SimpleNamespace(warn=warnings.warn))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # A plateau stop (the network alone would warn "Training stalled"), then max_iter.
        MLPClassifier((5,), tol=10.0, n_iter_no_change=2, random_state=0).fit(X, y)
        MLPClassifier((5,), solver="lbfgs", max_iter=1000, random_state=0).fit(X, y)
        MLPClassifier((5,), max_iter=3, random_state=0).fit(X, y)
    categories = [warning.category for warning in caught
                  if issubclass(warning.category, (ConvergenceWarning, NetworkConvergenceWarning))]
    assert categories == [ConvergenceWarning], [str(warning.message) for warning in caught]


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_pickled_between_partial_fits_trains_on_as_if_never_pickled(solver):
    # The optimiser's state (Adam's moments, velocities) and the shuffling generator
    # travel with the model, as scikit-learn's: dask-ml's Incremental pickles it
    # between chunks.
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    settings = dict(hidden_layer_sizes=(16,), solver=solver, random_state=0)
    kept, moved = MLPClassifier(**settings), MLPClassifier(**settings)
    for _ in range(3):
        kept.partial_fit(X, y, classes=numpy.arange(10))
        moved = pickle.loads(pickle.dumps(moved.partial_fit(X, y, classes=numpy.arange(10))))
    for ours, expected in zip(moved.coefs_, kept.coefs_):
        numpy.testing.assert_array_equal(ours, expected)
