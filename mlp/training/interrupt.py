"""Ctrl-C as a flag that the training loop reads after each step."""

import signal
import threading

__all__ = ["InterruptFlag"]


class InterruptFlag:
    """Context manager turning SIGINT into ``flag.raised = True`` while it is open.

    A KeyboardInterrupt raised inside a compiled call could leave some shared
    variables updated and others not; with a flag the current call finishes first.
    The handler can only be installed from the main thread; elsewhere nothing is
    installed, and a KeyboardInterrupt that still reaches the loop (raised by the
    caller's own code, for instance) rolls the current call back.
    """

    def __init__(self):
        self.raised = False
        self._previous = None

    def _handle(self, signum, frame):
        self.raised = True

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc_info):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False
