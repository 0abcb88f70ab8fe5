"""scikit-learn 1.9's callback API (``sklearn.callback``) on mlp's estimators, driven by
the per-epoch ``callback`` of ``FeedForwardNetwork.train``.

A fit is the root task; with ``n_init > 1`` each initialisation is a subtask; each
epoch (an L-BFGS iteration) is a leaf subtask whose ``fitted_estimator`` predicts with
that epoch's weights. On a scikit-learn without the API (or without callbacks set),
nothing here does anything.
"""

import copy

__all__ = ["EpochCallbacks"]


class EpochCallbacks:
    """The callback context of one ``fit`` or ``partial_fit``.

    Parameters
    ----------
    estimator : BaseMultilayerPerceptron
    X, y, sample_weight
        The data as passed to ``fit`` (what the hooks receive).
    n_init, max_epochs : int
        Initialisations, and most epochs of each (the bounds of the task tree).
    """

    def __init__(self, estimator, X, y, sample_weight, n_init, max_epochs):
        self.estimator = estimator
        self.active = bool(getattr(estimator, "_skl_callbacks", None))
        self.hook_data = dict(X=X, y=y, metadata=None if sample_weight is None
                              else {"sample_weight": sample_weight})
        self.n_init = n_init
        self.max_epochs = max_epochs
        self.root = None

    def __enter__(self):
        if self.active:
            subtasks = self.n_init if self.n_init > 1 else self.max_epochs
            self.root = self.estimator._init_callback_context(max_subtasks=subtasks)
            self.root.call_on_fit_task_begin(estimator=self.estimator, **self.hook_data)
        return self

    def __exit__(self, exception_type, exception, traceback):
        # scikit-learn's with_callbacks tears the callbacks down, error or not; the
        # root task ends only when the fit succeeded (the estimator is then fitted).
        if self.root is not None and exception_type is None:
            self.root.call_on_fit_task_end(estimator=self.estimator, reconstruction_attributes={},
                                           **self.hook_data)
        return False

    def epoch_tasks(self, network):
        """The per-epoch tasks of training ``network`` (under a task of its own for
        each of ``n_init > 1`` initialisations), or None without callbacks."""
        if self.root is None:
            return None
        parent = self.root
        if self.n_init > 1:
            parent = self.root.subcontext(task_name="initialisation", max_subtasks=self.max_epochs)
            parent.call_on_fit_task_begin(estimator=self.estimator, **self.hook_data)
        return _EpochTasks(self, network, parent)

    def _attributes(self, network):
        """What makes a copy of the estimator predict with the network's current weights
        (read only when a callback asks for ``fitted_estimator``)."""
        weights = network.weights
        attributes = {"coefs_": [matrix.T.copy() for matrix in weights],
                      "intercepts_": [bias.copy() for bias in network.bias],
                      "n_layers_": len(network.architecture),
                      "n_outputs_": network.architecture[-1]}
        # Its own network, rebuilt from these weights on first use: the live one goes
        # on training.
        attributes["_network"] = None
        return copy.deepcopy(attributes)


class _EpochTasks:
    """``callback(epoch, logs)`` for ``network.train``: one leaf task per epoch;
    :meth:`finish` ends the initialisation's task when it has one."""

    # Each epoch's fitted_estimator predicts with that epoch's weights: the training
    # loop then runs one epoch per compiled call instead of several.
    reads_weights = True

    def __init__(self, callbacks, network, parent):
        self.callbacks = callbacks
        self.network = network
        self.parent = parent

    def __call__(self, epoch, logs):
        callbacks = self.callbacks
        context = self.parent.subcontext(task_name="epoch")
        context.call_on_fit_task_begin(estimator=callbacks.estimator, **callbacks.hook_data)
        context.call_on_fit_task_end(
            estimator=callbacks.estimator,
            reconstruction_attributes=lambda: callbacks._attributes(self.network),
            **callbacks.hook_data,
        )

    def finish(self):
        if self.parent is not self.callbacks.root:
            self.parent.call_on_fit_task_end(estimator=self.callbacks.estimator,
                                             **self.callbacks.hook_data)
