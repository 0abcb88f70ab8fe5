"""The documentation of the parameters and fitted attributes that ``MLPClassifier`` and
``MLPRegressor`` share, written once and put into each class's docstring when the class
is made, so that ``help(MLPRegressor)`` shows every parameter and attribute as
``help(MLPClassifier)`` does."""

import re

__all__ = ["document_parameters"]

# scikit-learn's order of the parameters; ``loss`` is the regressor's,
# ``class_weight`` the classifier's.
_ORDER = ("loss", "hidden_layer_sizes", "activation", "solver", "alpha", "batch_size",
          "learning_rate", "learning_rate_init", "power_t", "max_iter", "shuffle",
          "random_state", "tol", "verbose", "warm_start", "momentum", "nesterovs_momentum",
          "early_stopping", "validation_fraction", "beta_1, beta_2", "epsilon",
          "n_iter_no_change", "max_fun", "n_init", "class_weight", "dtype", "dropout",
          "clip_norm", "scoring")

_PARAMETERS = """\
    hidden_layer_sizes : array-like of int or int, default=(100,)
        Units of each hidden layer.
    activation : {"identity", "logistic", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu"}, default="relu"
        Activation of the hidden layers (the last four are mlp's own).
    solver : {"lbfgs", "sgd", "adam"}, default="adam"
        ``"sgd"`` uses Nesterov's momentum when ``nesterovs_momentum`` is true, else
        the plain momentum rule; ``"lbfgs"`` is SciPy's L-BFGS-B on the full batch.
    alpha : float >= 0, default=0.0001
        L2 penalty on the weights (not the biases), scaled as scikit-learn's:
        ``0.5 * alpha * sum(W**2) / n_rows`` where ``n_rows`` is the batch size
        (``"sgd"``, ``"adam"``) or the number of samples (``"lbfgs"``).
    batch_size : int or "auto", default="auto"
        Rows per step: ``"auto"`` is ``min(200, n_samples)``. Unused by ``"lbfgs"``.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Schedule of the ``"sgd"`` learning rate. ``"adaptive"`` divides it by 5 when
        the monitored loss has not improved for 2 epochs.
    learning_rate_init : float > 0, default=0.001
    power_t : float >= 0, default=0.5
        Exponent of the ``"invscaling"`` schedule.
    max_iter : int >= 1, default=200
        Most epochs (``"sgd"``, ``"adam"``) or iterations (``"lbfgs"``).
    shuffle : bool, default=True
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the shuffling and the validation split. With an
        integer, initialisation ``i`` of ``n_init`` uses the seed
        ``random_state + i``, so ``n_init=1, random_state=s + i`` repeats it.
    tol : float >= 0, default=1e-4
        Progress that counts, for ``"sgd"`` and ``"adam"``: as scikit-learn, a training
        loss at least ``tol`` below the best so far; with early stopping, a validation
        score (accuracy unless ``scoring`` says otherwise) more than ``tol`` above the
        best so far. For ``"lbfgs"`` it sets the relative
        cost tolerance ``ftol = tol * 1e-3``.
    verbose : bool, default=False
        Print scikit-learn's lines to stdout for ``"sgd"`` and ``"adam"`` (``fit`` and
        ``partial_fit``): ``Iteration 1, loss = 0.69314718`` after every epoch (the
        loss of ``loss_curve_``), then with early stopping ``Validation score:
        0.933333``, and the line that says why training stopped, when a stopping rule
        ends it (for each of the ``n_init`` trainings). Nothing for ``"lbfgs"``
        (scikit-learn shows SciPy's output, which SciPy >= 1.15 no longer prints).
    warm_start : bool, default=False
        Continue from the weights of the previous fit (same classes required).
    momentum : float in [0, 1), default=0.9
        Momentum of ``"sgd"``. scikit-learn accepts 1, which never settles; here it
        is refused.
    nesterovs_momentum : bool, default=True
    validation_fraction : float in [0, 1), default=0.1
    beta_1, beta_2 : float in [0, 1), default=0.9, 0.999
    epsilon : float > 0, default=1e-8
    n_iter_no_change : int >= 1 or numpy.inf, default=10
        Training stops after ``n_iter_no_change + 1`` epochs without progress (as in
        scikit-learn, which stops when the count exceeds it).
    max_fun : int >= 1, default=15000
        Most cost evaluations of ``"lbfgs"``, which also bound its iterations
        (``n_iter_ <= max_fun``). When it stops training, scikit-learn's
        ConvergenceWarning says so ("lbfgs failed to converge after ... (status=1):
        STOP: TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT ..."). As scikit-learn,
        ``"lbfgs"`` warns so whenever SciPy reports no convergence (``max_iter`` or
        ``max_fun`` reached, or a failed line search).
    n_init : int >= 1, default=1
        Independent trainings from different initial weights; the one with the lowest
        final training loss (with early stopping: the best validation accuracy) is
        kept.
    dtype : {"float64", "float32"} or None, default=None
        Floating-point type of the network (parameters, compiled graph, predicted
        probabilities). None follows the training data, as scikit-learn does:
        float32 ``X`` trains float32 parameters, anything else float64. A warm start
        or ``partial_fit`` keeps the type of the first fit; ``"float32"`` or
        ``"float64"`` forces one.
    dropout : float in [0, 1), default=0.0
        Inverted dropout on every hidden layer while training (off when predicting),
        its masks drawn from ``random_state``.
    clip_norm : float > 0 or None, default=None
        Clip each step's gradient to this global L2 norm (None: off).
"""


_ATTRIBUTE_ORDER = ("classes_", "loss_", "best_loss_", "loss_curve_", "validation_loss_curve_",
                    "validation_scores_", "best_validation_score_", "n_iter_", "t_", "coefs_",
                    "intercepts_", "n_features_in_", "feature_names_in_", "n_layers_",
                    "n_outputs_", "out_activation_")

_ATTRIBUTES = """\
    best_loss_ : float or None
        Lowest of ``loss_curve_``; None with early stopping.
    loss_curve_ : list of float
        Training loss (with the L2 term) per epoch, over all fits since the last
        fresh start (warm starts and ``partial_fit`` append to it).
    best_validation_score_ : float or None
        Validation score of the kept (restored) weights with early stopping: the
        best of ``validation_scores_``.
    n_iter_ : int
        Epochs (iterations) run by the last call; for ``"lbfgs"`` at most
        ``max_iter`` and at most ``max_fun``.
    t_ : int
        Training samples seen (0 for ``"lbfgs"``, as in scikit-learn).
    coefs_ : list of ndarray
        ``coefs_[i]`` of shape ``(n_units[i], n_units[i + 1])``.
    intercepts_ : list of ndarray
        ``intercepts_[i]`` of shape ``(n_units[i + 1],)``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X has string column names.
    n_layers_ : int
"""


def _entries(text):
    """Name -> numpydoc entry (its lines, indented as in a class docstring)."""
    entries = {}
    for entry in re.split(r"\n(?=    \S)", text.rstrip("\n")):
        entries[entry.strip().split(" : ")[0]] = entry + "\n"
    return entries


def document_parameters(cls):
    """A class decorator: the Parameters and Attributes sections of the class's
    docstring, which list the class's own entries, get the shared ones too, in
    scikit-learn's order (an own entry replaces a shared one of the same name)."""
    cls.__doc__ = _merged(cls.__doc__, "Parameters", _PARAMETERS, _ORDER)
    cls.__doc__ = _merged(cls.__doc__, "Attributes", _ATTRIBUTES, _ATTRIBUTE_ORDER)
    return cls


def _merged(docstring, title, shared, order):
    """``docstring`` with the shared entries added to its section ``title``."""
    head = f"    {title}\n    {'-' * len(title)}\n"
    start = docstring.index(head) + len(head)
    # The section ends at the first blank line.
    end = docstring.index("\n\n", start) + 1
    entries = {**_entries(shared), **_entries(docstring[start:end])}
    section = "".join(entries[name] for name in order if name in entries)
    return docstring[:start] + section + docstring[end:]
