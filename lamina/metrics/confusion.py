"""Metrics from thresholded confusion counts: AUC, Precision, Recall, TP/FP/TN/FN."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from lamina.backend._budget import charge
from lamina.core import metrics as _core
from lamina.core.metrics import Accumulator
from lamina.metrics.base import Metric


class AUC(Metric):
    """Area under the ROC or precision-recall curve, from thresholded counts.

    Args:
        num_thresholds: number of thresholds, > 1.
        curve: "ROC" or "PR".
        summation_method: "interpolation", "minoring" or "majoring".
        name: defaults to "auc".
        dtype: the result's dtype.
        thresholds: optional explicit thresholds in [0, 1].
        from_logits: apply a sigmoid to predictions first.

    Raises:
        ValueError: for a bad `num_thresholds`, `curve` or `summation_method`.

    Example:
        >>> m = AUC()
        >>> m.update_state([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        >>> m.name, float(m.result())
        ('auc', 0.75)
    """

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC",
                 summation_method: str = "interpolation", name: str | None = None,
                 dtype: Any = None, thresholds: Sequence[float] | None = None,
                 from_logits: bool = False):
        super().__init__(name=name or "auc", dtype=dtype)
        self.num_thresholds = num_thresholds
        self.curve = curve
        self.summation_method = summation_method
        self.thresholds = None if thresholds is None else list(thresholds)
        self.from_logits = from_logits
        if thresholds is None and isinstance(num_thresholds, (int, np.integer)):
            # Per threshold: a Python float in a list, a float64 and four float32
            # counts; charged before they exist while a model file is loading.
            charge(int(num_thresholds) * 56, f"AUC(num_thresholds={num_thresholds})'s counts")
        self.accumulator()  # check the arguments now, not at the first update

    def accumulator(self) -> Accumulator:
        """`lamina.core.metrics.auc(...)` with this metric's settings."""
        return _core.auc(self.num_thresholds, self.curve, self.summation_method,
                         thresholds=self.thresholds, from_logits=self.from_logits)

    def get_config(self) -> dict[str, Any]:
        """Name, dtype and the AUC settings."""
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "curve": self.curve, "summation_method": self.summation_method,
                "thresholds": self.thresholds, "from_logits": self.from_logits}


class _Thresholded(Metric):
    """A confusion-count metric with Keras's `thresholds`, `top_k`, `class_id`."""

    kind = "precision"

    def __init__(self, thresholds: float | Sequence[float] | None = None,
                 top_k: int | None = None, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None):
        super().__init__(name=name or self.kind, dtype=dtype)
        self.thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.accumulator()  # check the arguments now, not at the first update

    def accumulator(self) -> Accumulator:
        """`lamina.core.metrics.confusion(kind, ...)` with this metric's settings."""
        return _core.confusion(self.kind, self.thresholds, self.top_k, self.class_id)

    def get_config(self) -> dict[str, Any]:
        """Name, dtype, thresholds, top_k and class_id."""
        return {**super().get_config(), "thresholds": self.thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_Thresholded):
    """`tp / (tp + fp)`: the fraction of predicted positives that are positive.

    A prediction is positive above `thresholds` (default 0.5), or, with
    `top_k`, when it is among the row's `k` largest.

    Example:
        >>> m = Precision()
        >>> m.update_state([0, 1, 1, 1], [1.0, 1.0, 0.2, 0.8])
        >>> m.name, float(m.result())
        ('precision', 0.6667)
    """

    kind = "precision"


class Recall(_Thresholded):
    """`tp / (tp + fn)`: the fraction of positives predicted positive.

    Example:
        >>> m = Recall()
        >>> m.update_state([0, 1, 1, 1], [1.0, 1.0, 0.2, 0.8])
        >>> m.name, float(m.result())
        ('recall', 0.6667)
    """

    kind = "recall"


class _Count(Metric):
    """A weighted confusion count at `thresholds` (default 0.5)."""

    kind = "true_positives"

    def __init__(self, thresholds: float | Sequence[float] | None = None,
                 name: str | None = None, dtype: Any = None):
        super().__init__(name=name or self.kind, dtype=dtype)
        self.thresholds = thresholds
        self.accumulator()  # check the arguments now, not at the first update

    def accumulator(self) -> Accumulator:
        """`lamina.core.metrics.confusion(kind, thresholds)`."""
        return _core.confusion(self.kind, self.thresholds)

    def get_config(self) -> dict[str, Any]:
        """Name, dtype and thresholds."""
        return {**super().get_config(), "thresholds": self.thresholds}


class TruePositives(_Count):
    """Weighted count of positives predicted positive.

    Example:
        >>> m = TruePositives()
        >>> m.update_state([0, 1, 1, 1], [1.0, 1.0, 0.2, 0.8])
        >>> m.name, float(m.result())
        ('true_positives', 2.0)
    """

    kind = "true_positives"


class FalsePositives(_Count):
    """Weighted count of negatives predicted positive.

    Example:
        >>> m = FalsePositives()
        >>> m.update_state([0, 1, 1, 1], [1.0, 1.0, 0.2, 0.8])
        >>> m.name, float(m.result())
        ('false_positives', 1.0)
    """

    kind = "false_positives"


class TrueNegatives(_Count):
    """Weighted count of negatives predicted negative.

    Example:
        >>> m = TrueNegatives()
        >>> m.update_state([0, 0, 1, 1], [1.0, 0.1, 0.2, 0.8])
        >>> m.name, float(m.result())
        ('true_negatives', 1.0)
    """

    kind = "true_negatives"


class FalseNegatives(_Count):
    """Weighted count of positives predicted negative.

    Example:
        >>> m = FalseNegatives()
        >>> m.update_state([0, 1, 1, 1], [1.0, 1.0, 0.2, 0.8])
        >>> m.name, float(m.result())
        ('false_negatives', 1.0)
    """

    kind = "false_negatives"
