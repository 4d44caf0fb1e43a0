"""Optuna, the search algorithms under `lamina.tuner`, imported on first use."""
from __future__ import annotations

from typing import Any


def optuna() -> Any:
    """The `optuna` module, or an ImportError that says what to install."""
    try:
        import optuna as module
    except ImportError:
        raise ImportError("lamina.tuner runs its searches on Optuna's samplers and pruners. "
                          "Install it with `pip install 'lamina[tuner]'` (or "
                          "`pip install optuna`).") from None
    return module
