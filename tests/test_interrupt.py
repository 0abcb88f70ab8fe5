"""Ctrl-C: SIGINT becomes a flag read between compiled calls; the call under way
finishes (or, cut short by a KeyboardInterrupt, is rolled back) and ``train`` returns
the History of what ran, ``stopped == "interrupted"``."""

import os
import signal
import threading

import numpy

from mlp.training.interrupt import InterruptFlag
from tests.conftest import counted, make_network, wrap_calls


def test_the_flag_catches_sigint_and_puts_the_handler_back():
    before = signal.getsignal(signal.SIGINT)
    with InterruptFlag() as interrupt:
        assert not interrupt.raised
        os.kill(os.getpid(), signal.SIGINT)
        assert interrupt.raised
    assert signal.getsignal(signal.SIGINT) is before


def test_outside_the_main_thread_the_flag_installs_nothing():
    before = signal.getsignal(signal.SIGINT)
    seen = []

    def open_flag():
        with InterruptFlag() as interrupt:
            seen.append((signal.getsignal(signal.SIGINT), interrupt.raised))

    thread = threading.Thread(target=open_flag)
    thread.start()
    thread.join()
    assert seen == [(before, False)]


def test_ctrl_c_in_minibatch_training_returns_the_history(iris, monkeypatch):
    X_train, X_test, y_train, y_test = iris
    network = make_network([4, 8, 3], random_state=1)

    def call_then_interrupt(call, arguments):
        result = call(*arguments)
        os.kill(os.getpid(), signal.SIGINT)
        return result

    wrap_calls(monkeypatch, network.backend, lambda call: counted(call, call_then_interrupt, 3))
    history = network.train(X_train, y_train, alpha=0.05, epochs=1000, batch_size=16,
                            validation_data=(X_test, y_test))
    assert history.stopped == "interrupted" and history.epochs == 3
    assert len(history.validation_loss) == 3
    assert numpy.isfinite(network.predict(X_test)).all()


def test_a_keyboard_interrupt_inside_a_call_rolls_that_call_back(iris, monkeypatch):
    X_train, X_test, y_train, y_test = iris
    settings = dict(alpha=0.05, batch_size=16, validation_data=(X_test, y_test))
    network = make_network([4, 8, 3], random_state=1)

    def interrupt_inside(call, arguments):
        call(*arguments)  # the updates ran, but the call never returned
        raise KeyboardInterrupt

    wrap_calls(monkeypatch, network.backend, lambda call: counted(call, interrupt_inside, 3))
    history = network.train(X_train, y_train, epochs=1000, **settings)
    # Validation makes one epoch a call: the two finished calls are kept, as if
    # training had been asked for two epochs.
    assert history.stopped == "interrupted" and history.epochs == 2
    alone = make_network([4, 8, 3], random_state=1)
    alone_history = alone.train(X_train, y_train, epochs=2, **settings)
    assert history.loss == alone_history.loss
    for kept, expected in zip(network.weights + network.bias, alone.weights + alone.bias):
        numpy.testing.assert_array_equal(kept, expected)


def test_ctrl_c_from_an_lbfgs_callback_stops_after_that_iteration(iris):
    X_train, _, y_train, _ = iris
    network = make_network([4, 8, 3], random_state=1)

    def interrupt_at_the_second(epoch, logs):
        if epoch == 2:
            os.kill(os.getpid(), signal.SIGINT)

    history = network.train(X_train, y_train, optimizer="lbfgs", epochs=100,
                            callback=interrupt_at_the_second)
    assert history.stopped == "interrupted" and history.epochs == 2
    assert numpy.isfinite(network.weights[0]).all()
