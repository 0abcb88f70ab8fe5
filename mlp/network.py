"""The seed's front end: ``Network`` and ``FeedForwardNetwork``."""

import math
import numbers

import numpy

from mlp import training
from mlp.backend import OPTIMIZERS, NetworkBackend
from mlp.data import stratified_split
from mlp.errors import NotInitializedError
from mlp.init import INITIALIZERS
from mlp.layers import LAYERS_BY_ACTIVATION, IdentityLayer, InputLayer, SigmoidLayer, SoftmaxLayer
from mlp.validation import (
    check_architecture,
    check_choice,
    check_inputs,
    check_number,
    check_sample_weights,
    check_targets,
    check_values,
)

__all__ = ["Network", "FeedForwardNetwork"]

_DTYPES = ("float32", "float64")
_OUTPUT_LAYERS = {"softmax": SoftmaxLayer, "sigmoid": SigmoidLayer, "identity": IdentityLayer}


class Network:
    """A network's architecture, layers and parameters.

    Parameters
    ----------
    architecture : list of int
        Units per layer: inputs, hidden layers..., outputs (at least two entries).

    Attributes
    ----------
    architecture : list of int
    layers : list of Layer
        Empty until ``initialize()``.
    weights : list of ndarray
        Copies of the current weight matrices, ``weights[i]`` of shape
        ``(architecture[i + 1], architecture[i])``; empty until ``initialize()``.
    bias : list of ndarray
        Copies of the current bias vectors, ``bias[i]`` of shape ``(architecture[i + 1],)``.
    """

    def __init__(self, architecture):
        self.architecture = check_architecture(architecture)
        self.layers = []
        self.backend = None

    @property
    def weights(self):
        if self.backend is None:
            return []
        return [variable.get_value() for variable in self.backend.weights]

    @property
    def bias(self):
        if self.backend is None:
            return []
        return [variable.get_value() for variable in self.backend.bias]

    def __str__(self):
        banner = ""
        for weights, bias in zip(self.weights, self.bias):
            banner += str(weights) + "\n"
            banner += str(bias) + "\n"
        return banner


class FeedForwardNetwork(Network):
    """A multi-layer perceptron classifier with a softmax output, trained by momentum.

    Parameters
    ----------
    architecture : list of int
        Units per layer: inputs, hidden layers..., classes.
    activation : str, default "sigmoid"
        Activation of the hidden layers (the seed's is sigmoid): ``"sigmoid"``,
        ``"tanh"``, ``"relu"``, ``"identity"``, ``"leaky_relu"``, ``"elu"``, ``"gelu"`` or
        ``"silu"``. ``"leaky_relu"`` has slope 0.01 below zero, ``"elu"`` alpha 1,
        ``"gelu"`` is the exact erf form (all PyTorch's defaults), ``"silu"`` is
        ``x * sigmoid(x)``.
    init : {"glorot", "uniform"}, default "glorot"
        Initial weights: symmetric Glorot, or the seed's uniform [0, 1).
    random_state : None, int or numpy.random.Generator
        Seeds the initial weights and every restart; the same integer gives the
        same weights.
    dtype : {"float64", "float32"}, default "float64"
        Floating-point type of the parameters and the compiled graph.
    regularize_bias : bool, default True
        Whether ``reg_lambda`` penalises the biases too, as the seed's cost does.
    output : {"softmax", "sigmoid", "identity"}, default "softmax"
        ``"softmax"``: one class per row (the seed). ``"sigmoid"``: independent labels
        (multilabel), each output a probability, trained with the binary cross-entropy;
        ``y`` is then an indicator matrix. ``"identity"``: regression, linear outputs
        trained on scikit-learn's squared error ``0.5 * mean((y - prediction) ** 2)``
        (over rows and outputs); ``y`` is then real values, ``(n_samples,)`` or
        ``(n_samples, architecture[-1])``.

    dropout : float in [0, 1), default 0
        Share of every hidden layer's outputs set to zero at each training step
        (inverted dropout: the kept outputs are scaled by ``1 / (1 - dropout)``), its
        masks drawn from ``random_state``; off when predicting and for validation
        losses. 0 compiles the plain training step. Each hidden layer's rate is its
        ``dropout`` attribute (``ReLULayer(100, dropout=0.5)``). Not with
        ``optimizer="lbfgs"``.

    Examples
    --------
    >>> import numpy
    >>> network = FeedForwardNetwork([2, 2, 2], random_state=0)
    >>> network.initialize()
    >>> X = numpy.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
    >>> history = network.train(X, [0, 1, 1, 0])
    >>> network.classify(X).tolist()
    [0, 1, 1, 0]
    """

    # A class default, so that a network pickled before dropout existed reads as without it.
    dropout = 0.0

    def __init__(self, architecture, activation="sigmoid", init="glorot", random_state=None,
                 dtype="float64", regularize_bias=True, output="softmax", dropout=0.0):
        super().__init__(architecture)
        self.activation = check_choice("activation", activation, LAYERS_BY_ACTIVATION)
        self.init = check_choice("init", init, INITIALIZERS)
        self.dtype = check_choice("dtype", dtype, _DTYPES)
        if not (random_state is None or isinstance(random_state, numpy.random.Generator)
                or (isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)
                    and random_state >= 0)):
            raise TypeError(
                f"Received an invalid value for `random_state`, expected None, a "
                f"non-negative integer or a numpy.random.Generator. "
                f"Received: random_state={random_state!r}"
            )
        self.random_state = random_state
        self.regularize_bias = bool(regularize_bias)
        self.output = check_choice("output", output, _OUTPUT_LAYERS)
        self.dropout = check_number("dropout", dropout, minimum=0, maximum=1, include_maximum=False)
        self.generator = None

    def initialize(self):
        """Build the layers and the backend: draw the weights and compile.

        Calling it again starts over from new initial weights (the same ones when
        ``random_state`` is an integer).
        """
        hidden_layer = LAYERS_BY_ACTIVATION[self.activation]
        layers = [InputLayer(units=self.architecture[0])]
        for units in self.architecture[1:-1]:
            layers.append(hidden_layer(units=units, dropout=self.dropout))
        layers.append(_OUTPUT_LAYERS[self.output](units=self.architecture[-1]))
        self.layers = layers
        self.generator = numpy.random.default_rng(self.random_state)
        self.backend = NetworkBackend(self)

    def save(self, path):
        """Save the architecture, settings and weights to one ``.npz`` file at ``path``.

        The file holds only arrays and a JSON header (no pickle) and is written
        atomically: a crash during ``save`` leaves a previous file intact.
        """
        from mlp import persist

        persist.save_network(self, path)

    @classmethod
    def load(cls, path):
        """Load a network written by :meth:`save` (under either engine), ready to predict."""
        from mlp import persist

        return persist.load_network(path)

    def _require_backend(self, method):
        if self.backend is None:
            raise NotInitializedError(
                f"`{method}` was called before `initialize()`: call network.initialize() "
                f"first to build the layers and compile the network."
            )

    def predict(self, inputs):
        """Return the output, shape ``(n_samples, architecture[-1])``: softmax
        probabilities, sigmoid probabilities (``output="sigmoid"``) or the predicted
        values (``output="identity"``).

        Parameters
        ----------
        inputs : array-like (n_samples, architecture[0])
            Dense and finite (a scipy.sparse matrix is refused with a TypeError that
            says to pass ``inputs.toarray()``).
        """
        self._require_backend("predict")
        inputs = check_inputs(inputs, self.architecture[0], self.dtype, name="inputs")
        return self.backend.activate(inputs)

    def classify(self, inputs):
        """Return the most probable class (an integer in ``[0, architecture[-1])``) per row;
        with ``output="sigmoid"``, the 0/1 indicator matrix of outputs above one half.

        Raises
        ------
        TypeError
            For a regression network (``output="identity"``), which has no classes.
        """
        if self.output == "identity":
            raise TypeError(
                "`classify` needs a classifier, but this network has output='identity' "
                "(regression): call predict(X) for its predicted values."
            )
        probabilities = self.predict(inputs)
        if self.output == "sigmoid":
            return (probabilities > 0.5).astype(numpy.int64)
        return numpy.argmax(probabilities, axis=1)

    def train(self, X, y, alpha=None, reg_lambda=0.0001, epochs=10000, momentum=0.9, *,
              target_cost=None, tol=1e-4, tol_rule="relative", patience=None, restarts=None, verbose=False,
              batch_size=None, shuffle=True, optimizer="momentum", beta_1=0.9, beta_2=0.999,
              epsilon=1e-8, schedule="constant", schedule_factor=10.0, schedule_patience=10,
              validation_data=None, validation_fraction=None, early_stopping=None,
              min_delta=0.0, sample_weight=None, power_t=0.5, keep_optimizer_state=False,
              max_fun=None, convergence_warnings=True, callback=None, validation_score=None,
              clip_norm=None):
        """Train the network; the seed's parameters first, in the seed's order.

        Parameters
        ----------
        X : array-like (n_samples, architecture[0])
            Inputs; finite numbers.
        y : array-like (n_samples, architecture[-1]) or (n_samples,)
            One-hot rows (as in the seed) or integer labels in ``[0, architecture[-1])``;
            with ``output="identity"``, real-valued targets (a vector when
            ``architecture[-1]`` is 1).
        alpha : float, optional
            Learning rate, positive. Default 0.5 for ``"momentum"`` and
            ``"nesterov"`` (tuned on full-batch XOR), 0.001 for ``"adam"``; unused by
            ``"lbfgs"``.
        reg_lambda : float, default 0.0001
            Weight of the L2 term ``sum(W**2) + sum(b**2)`` in the cost.
        epochs : int, default 10000
            Most epochs (L-BFGS: iterations) per attempt.
        momentum : float in [0, 1), default 0.9
            The seed's rule: ``rate = alpha * grad + momentum * prev_rate``.
        target_cost : float, optional
            Stop when the training loss (without the L2 term) reaches it. Default
            0.01 for classifiers; 0 for regression, whose loss is in the targets'
            units squared, so no fixed value means "learned".
        tol : float, default 1e-4
            Improvement of the training cross-entropy that counts as progress.
        tol_rule : {"relative", "absolute"}, default "relative"
            ``"relative"``: progress is a loss below ``(1 - tol)`` times the loss at the
            last progress. ``"absolute"`` (scikit-learn's rule): a loss at least ``tol``
            below the best so far.
        patience : int, optional
            Epochs without progress before stopping: on the validation loss (early
            stopping) when there is validation data, else on the training
            cross-entropy (a plateau). Default 500 for full-batch training without
            validation data, else 10.
        restarts : int, optional
            Re-initialisations allowed after a stall: a plateau above ``target_cost``
            whose cross-entropy is also above a quarter of the uniform prediction's
            (``ln K`` for K classes; chance level included), as XOR's local minima. A
            plateau below that is a converged fit (as L-BFGS converging on real data)
            and ends training without a restart or a warning. Default 20 for
            full-batch training without validation data, else 0; always 0 for
            regression (``output="identity"``), where only a plateau at the loss of
            predicting the targets' mean (a training R^2 below 0.05) counts as a stall.
        verbose : bool, default False
            Show a progress bar (tqdm) with the current losses.
        batch_size : int, optional
            Rows per step; None (the default) uses the whole set, as the seed.
        shuffle : bool, default True
            Reshuffle the rows every epoch (minibatches only).
        optimizer : {"momentum", "nesterov", "adam", "lbfgs"}, default "momentum"
            The seed's momentum rule, Nesterov's momentum, Adam, or full-batch
            L-BFGS through ``scipy.optimize.minimize``.
        beta_1, beta_2, epsilon : float
            Adam's decay rates and its denominator's offset.
        schedule : {"constant", "reduce_on_plateau", "invscaling"}, default "constant"
            ``"reduce_on_plateau"`` divides the learning rate by ``schedule_factor``
            when the monitored loss has not improved for ``schedule_patience`` epochs
            since the last change; ``"invscaling"`` sets it to
            ``alpha / (samples_seen + 1) ** power_t`` after each epoch (scikit-learn's).
        schedule_factor : float > 1, default 10
        schedule_patience : int, default 10
        validation_data : tuple (X_val, y_val), optional
            Held-out rows, evaluated after every epoch.
        validation_fraction : float in (0, 1), optional
            Hold out this share of the training rows instead (a stratified split
            drawn from ``random_state``).
        early_stopping : bool, optional
            Stop when the validation loss (or the ``validation_score`` hook's value)
            has not improved by ``min_delta`` for ``patience`` epochs and restore the
            best weights. Default: on when there is validation data.
        min_delta : float, default 0
            Smallest decrease of the validation loss that counts as improvement.
        sample_weight : array-like (n_samples,), optional
            Weight of each training row in the loss (cross-entropy or squared error).
        power_t : float, default 0.5
            Exponent of the ``"invscaling"`` schedule.
        keep_optimizer_state : bool, default False
            Continue from the velocities and Adam moments of the previous call
            instead of zeroing them (for incremental training).
        max_fun : int >= 1, optional
            Most cost evaluations of ``"lbfgs"`` (SciPy's ``maxfun``; an iteration
            takes one or more, so it also bounds the iterations). Default
            ``max(15000, 2 * epochs)``. When it stops training, ``history.stopped``
            is ``"max_fun"``. Unused by the other optimisers.
        convergence_warnings : bool, default True
            Warn (:class:`mlp.ConvergenceWarning`) when training ends at chance level
            or in a stall (see ``restarts``), or when a restart diverged. False
            silences these warnings for this call only (``MLPClassifier`` warns in
            scikit-learn's words instead), with no change to the process's warning
            filters.
        callback : callable, optional
            Called as ``callback(epoch, logs)`` after each epoch of each attempt
            (``epoch`` counts from 1 in each attempt), once the stopping rules have
            seen it; ``logs`` holds that epoch's ``loss``, ``total_loss``,
            ``learning_rate``, ``seconds`` and, with validation data,
            ``validation_loss``, ``validation_accuracy`` (classifiers) and
            ``validation_score``. Epochs that share a compiled call are reported, in
            order, when the call returns. An exception it raises stops training and
            propagates.
        validation_score : callable, optional
            ``validation_score(outputs) -> float``, higher is better: called after
            each epoch with the network's outputs on the validation rows (what
            :meth:`predict` returns for them, in their order). Early stopping then
            watches it instead of the validation loss (it stops when the score has
            not risen by more than ``min_delta`` for ``patience`` epochs and restores
            the weights of the best-scoring epoch), and ``history.validation_score``
            records it. Needs ``validation_data`` or ``validation_fraction``. None
            (the default): early stopping watches the validation loss, and
            ``history.validation_score`` holds the accuracy (R^2 for regression).
        clip_norm : float > 0, optional
            Clip each step's gradient (of the full cost, every weight and bias
            together) to this global L2 norm before the optimiser's rule, so that a
            learning rate that would diverge trains instead. None (the default): no
            clipping, the plain training step. Not with ``optimizer="lbfgs"``.

        Returns
        -------
        History
            Losses per epoch, learning rates, seconds, the best epoch, restarts, why
            training stopped, whether it ended at chance level.

        Raises
        ------
        DivergenceError
            When the cost of the first attempt becomes NaN or infinite (the last
            finite weights are restored first). When a restart diverges, the best
            earlier attempt is kept instead: its weights and curves are those of the
            history, ``history.attempts`` ends with the diverged restart
            (``stopped="diverged"``), and a ``ConvergenceWarning`` says so.
        TypeError
            When ``X`` or ``y`` is a scipy.sparse matrix (pass ``X.toarray()``) or
            not numeric.
        ValueError
            When an argument is invalid, e.g. ``X`` holds NaN, infinity, or a value
            outside the range of the network's dtype (1e39 for float32).
        """
        self._require_backend("train")
        optimizer = check_choice("optimizer", optimizer, OPTIMIZERS)
        if alpha is None:
            alpha = 0.001 if optimizer == "adam" else 0.5
        if batch_size is not None:
            batch_size = check_number("batch_size", batch_size, minimum=1, integer=True)
        if max_fun is not None:
            max_fun = check_number("max_fun", max_fun, minimum=1, integer=True)
        if clip_norm is not None:
            clip_norm = check_number("clip_norm", clip_norm, minimum=0, include_minimum=False,
                                     maximum=float(numpy.finfo(self.dtype).max))
        self._check_lbfgs_options(optimizer, clip_norm)
        if callback is not None and not callable(callback):
            raise TypeError(
                f"Received an invalid value for `callback`, expected a function "
                f"callback(epoch, logs) or None. Received: callback={callback!r}"
            )
        if validation_score is not None and not callable(validation_score):
            raise TypeError(
                f"Received an invalid value for `validation_score`, expected a function "
                f"validation_score(outputs) -> float or None. "
                f"Received: validation_score={validation_score!r}"
            )
        inputs = check_inputs(X, self.architecture[0], self.dtype)
        targets = self._check_targets(y, inputs.shape[0])
        weights = None
        if sample_weight is not None:
            weights = check_sample_weights(sample_weight, inputs.shape[0], self.dtype)
        has_validation = validation_data is not None or validation_fraction is not None
        if validation_score is not None and not has_validation:
            raise ValueError(
                f"`validation_score` scores the validation rows, but there are none: give "
                f"validation_data or validation_fraction as well. "
                f"Received: validation_score={validation_score!r}"
            )
        regression = self.output == "identity"
        if target_cost is None:
            target_cost = 0.0 if regression else 0.01
        # The seed's setting (one batch, no held-out data) stalls in local minima that a
        # restart escapes; on real data a long plateau is no reason to start over.
        full_batch = (batch_size is None or batch_size >= inputs.shape[0]) and not has_validation
        if patience is None:
            patience = 500 if full_batch else 10
        if restarts is None:
            restarts = 20 if full_batch and not regression else 0
        # What the compiled graph receives in the network's dtype must fit in it (1e39 or
        # infinity would become an infinite float32 learning rate).
        largest = float(numpy.finfo(self.dtype).max)
        settings = training.TrainingSettings(
            alpha=check_number("alpha", alpha, minimum=0, include_minimum=False, maximum=largest),
            reg_lambda=check_number("reg_lambda", reg_lambda, minimum=0, maximum=largest),
            epochs=check_number("epochs", epochs, minimum=0, integer=True),
            momentum=check_number("momentum", momentum, minimum=0, maximum=1, include_maximum=False),
            target_cost=check_number("target_cost", target_cost, minimum=0),
            tol=check_number("tol", tol, minimum=0,
                             maximum=1 if tol_rule == "relative" else math.inf),
            tol_rule=check_choice("tol_rule", tol_rule, ("relative", "absolute")),
            patience=check_number("patience", patience, minimum=1, integer=True),
            restarts=check_number("restarts", restarts, minimum=0, integer=True),
            verbose=bool(verbose),
            optimizer=optimizer,
            batch_size=batch_size,
            shuffle=bool(shuffle),
            beta_1=check_number("beta_1", beta_1, minimum=0, maximum=1, include_maximum=False),
            beta_2=check_number("beta_2", beta_2, minimum=0, maximum=1, include_maximum=False),
            epsilon=check_number("epsilon", epsilon, minimum=0, include_minimum=False, maximum=largest),
            schedule=check_choice("schedule", schedule, ("constant", "reduce_on_plateau", "invscaling")),
            power_t=check_number("power_t", power_t, minimum=0),
            keep_optimizer_state=bool(keep_optimizer_state),
            schedule_factor=check_number("schedule_factor", schedule_factor, minimum=1,
                                         include_minimum=False),
            schedule_patience=check_number("schedule_patience", schedule_patience, minimum=1,
                                           integer=True),
            early_stopping=has_validation if early_stopping is None else bool(early_stopping),
            min_delta=check_number("min_delta", min_delta, minimum=0),
            max_fun=max_fun,
            convergence_warnings=bool(convergence_warnings),
            callback=callback,
            validation_score=validation_score,
            clip_norm=clip_norm,
        )
        # Last, because a validation split draws from the generator.
        data = self._restoring_generator(self._training_data, inputs, targets, weights,
                                         validation_data, validation_fraction)
        return training.train(self.backend, data, settings, self.generator)

    def _check_lbfgs_options(self, optimizer, clip_norm):
        """Refuse dropout and gradient clipping with L-BFGS: its line search needs one
        deterministic objective, and it takes no gradient steps to clip."""
        if optimizer != "lbfgs":
            return
        rates = self.backend.dropout_rates
        if any(rates):
            raise ValueError(
                f"optimizer='lbfgs' cannot train with dropout (its line search needs a "
                f"deterministic cost): use 'adam', 'momentum' or 'nesterov', or a network "
                f"without dropout. Received: dropout rates {list(rates)} with optimizer='lbfgs'"
            )
        if clip_norm is not None:
            raise ValueError(
                f"`clip_norm` clips the gradient steps of 'momentum', 'nesterov' and 'adam'; "
                f"optimizer='lbfgs' takes none. Received: clip_norm={clip_norm!r} with "
                f"optimizer='lbfgs'"
            )

    def _restoring_generator(self, method, *arguments, **keywords):
        """Call ``method``; if it raises, put the random generator back as it was, so a
        refused call does not change what the next one draws."""
        state = self.generator.bit_generator.state
        try:
            return method(*arguments, **keywords)
        except BaseException:
            self.generator.bit_generator.state = state
            raise

    def _check_targets(self, targets, n_samples, name="y"):
        """Targets as a matrix of the network's dtype: real values for regression, else
        one-hot (or indicator) rows."""
        if self.output == "identity":
            return check_values(targets, n_samples, self.architecture[-1], self.dtype, name=name)
        return check_targets(targets, n_samples, self.architecture[-1], self.dtype, name=name,
                             multilabel=self.output == "sigmoid")

    def _training_data(self, inputs, targets, weights, validation_data, validation_fraction):
        """Validate the held-out rows, or split them off the training rows."""
        if validation_data is not None and validation_fraction is not None:
            raise ValueError(
                "Give either `validation_data` or `validation_fraction`, not both. Received: "
                f"validation_fraction={validation_fraction!r} and validation_data as well"
            )
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise TypeError(
                    "Received an invalid value for `validation_data`, expected a pair "
                    f"(X_val, y_val). Received: validation_data of type {type(validation_data).__name__}"
                )
            validation_inputs = check_inputs(validation_data[0], self.architecture[0], self.dtype,
                                             name="validation_data[0]")
            validation_targets = self._check_targets(validation_data[1], validation_inputs.shape[0],
                                                     name="validation_data[1]")
            return training.TrainingData(inputs, targets, weights, validation_inputs, validation_targets)
        if validation_fraction is None:
            return training.TrainingData(inputs, targets, weights)
        fraction = check_number("validation_fraction", validation_fraction, minimum=0, maximum=1,
                                include_minimum=False, include_maximum=False)
        # Independent labels and values have no class to stratify by: one stratum.
        strata = targets.argmax(axis=1) if self.output == "softmax" else numpy.zeros(len(targets), int)
        train_rows, validation_rows = stratified_split(strata, fraction, self.generator)
        if validation_rows.size == 0 or train_rows.size == 0:
            raise ValueError(
                f"`validation_fraction`={validation_fraction!r} leaves no rows to "
                f"{'validate on' if validation_rows.size == 0 else 'train on'} with {len(inputs)} rows."
            )
        return training.TrainingData(
            inputs[train_rows], targets[train_rows],
            None if weights is None else weights[train_rows],
            inputs[validation_rows], targets[validation_rows],
        )
