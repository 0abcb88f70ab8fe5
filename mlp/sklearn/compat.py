"""scikit-learn's interfaces that moved between releases, for every release mlp supports:
``validate_data`` (a function from 1.6) and the callback API (1.9)."""

try:
    from sklearn.utils.validation import validate_data
except ImportError:  # scikit-learn < 1.6 validates through a private method

    def validate_data(estimator, *arguments, **keywords):
        return estimator._validate_data(*arguments, **keywords)


try:
    from sklearn.callback import CallbackSupportMixin, with_callbacks
except ImportError:  # scikit-learn < 1.9 has no callback API: fit runs without one

    class CallbackSupportMixin:
        """Stands in for scikit-learn 1.9's mixin on an older scikit-learn."""

    def with_callbacks(method):
        return method


__all__ = ["CallbackSupportMixin", "validate_data", "with_callbacks"]
