"""Reading a monitored value from the logs, shared by the callbacks that watch one."""
from __future__ import annotations

import math
import warnings

_MAX_WORDS = ("acc", "auc", "precision", "recall", "f1", "iou", "r2")

# Names of the same metric in Keras 2 and tf.keras 2 / Keras 3 logs: a monitor or file
# template written for one finds the other's key.
_SAME_METRIC = [("acc", "accuracy"), ("mse", "mean_squared_error"),
                ("mae", "mean_absolute_error"), ("mape", "mean_absolute_percentage_error"),
                ("msle", "mean_squared_logarithmic_error"), ("ce", "crossentropy"),
                ("kld", "kullback_leibler_divergence"), ("logcosh", "log_cosh")]
_ALIASES = {a: b for pair in _SAME_METRIC for a, b in (pair, pair[::-1])}
_warned_aliases: set[tuple[str, str]] = set()


def log_key(key: str, logs: dict) -> str:
    """The key of `logs` that `key` means: itself, or the same metric under its other
    name (`val_acc` for `val_accuracy` and back, `mse` for `mean_squared_error`), with
    one warning per pair.

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     log_key("val_acc", {"val_accuracy": 0.9}), log_key("loss", {"loss": 1.0})
        ('val_accuracy', 'loss')
    """
    if key in logs:
        return key
    prefix, name = ("val_", key[4:]) if key.startswith("val_") else ("", key)
    other = _ALIASES.get(name)
    if other is None or prefix + other not in logs:
        return key
    found = prefix + other
    if (key, found) not in _warned_aliases:
        _warned_aliases.add((key, found))
        warnings.warn(f"The logs name `{key}` as `{found}` (Keras 2 wrote `{key}`); "
                      f"reading `{found}`. Write `{found}` to silence this warning.",
                      stacklevel=4)
    return found


def monitor_mode(monitor: str, mode: str) -> str:
    """`'min'` or `'max'`; `'auto'` picks max for accuracy/AUC-like names.

    Args:
        monitor: the log key, e.g. `"val_accuracy"`.
        mode: `"auto"`, `"min"` or `"max"`.

    Returns:
        `"min"` or `"max"`.

    Raises:
        ValueError: `mode` is not one of the three.

    Example:
        >>> monitor_mode("val_accuracy", "auto"), monitor_mode("val_loss", "auto")
        ('max', 'min')
    """
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', but received {mode!r}.")
    if mode != "auto":
        return mode
    name = monitor[4:] if monitor.startswith("val_") else monitor
    if name.endswith("loss") or name.endswith("error"):
        return "min"
    return "max" if any(w in name for w in _MAX_WORDS) else "min"


def worst(mode: str) -> float:
    """The starting 'best' value: `inf` for min mode, `-inf` for max mode.

    Example:
        >>> worst("min"), worst("max")
        (inf, -inf)
    """
    return math.inf if mode == "min" else -math.inf


class MonitorMixin:
    """Reads `self.monitor` from the logs, warning once (with the available keys)
    when it is missing, so a misspelt name never crashes a run."""

    monitor: str

    def get_monitor_value(self, logs: dict | None) -> float | None:
        """The monitored value as a float, or None (with one warning) if absent.

        Args:
            logs: the epoch (or batch) logs.

        Returns:
            The value, or None when the logs do not have it.

        Example:
            >>> class Watch(MonitorMixin): monitor = "val_loss"
            >>> Watch().get_monitor_value({"val_loss": 0.5})
            0.5
        """
        logs = logs or {}
        value = logs.get(log_key(self.monitor, logs))
        if value is None:
            if not getattr(self, "_warned_missing", False):
                self._warned_missing = True
                warnings.warn(f"{type(self).__name__} is conditioned on metric "
                              f"`{self.monitor}` which is not available. Available metrics "
                              f"are: {','.join(sorted(logs))}.", stacklevel=3)
            return None
        return float(value)
