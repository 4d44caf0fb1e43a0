"""Run the code of a guide in docs/: its ```python blocks, in order, as one program.

Run from the repository root: `python docs/run_guide.py docs/forecasting.md` makes the
guide's figures (in docs/figures/) and prints the numbers it quotes. The tests run the
same code at small settings: each setting is a top-level `NAME = value` line of the
guide, replaced by `guide_code(path, NAME=value)`.
"""
from __future__ import annotations

import re
import sys
from typing import Any

_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def guide_code(path: str, **settings: Any) -> str:
    """The guide's Python code, with the given settings replaced.

    Raises:
        ValueError: a setting the guide does not assign at top level.
    """
    with open(path, encoding="utf-8") as f:
        code = "\n".join(_BLOCK.findall(f.read()))
    for name, value in settings.items():
        code, found = re.subn(rf"^{name} = .*$", f"{name} = {value!r}", code, count=1,
                              flags=re.M)
        if not found:
            raise ValueError(f"{path} has no top-level setting {name} = ...; its settings "
                             f"are {re.findall(r'^([A-Z_]+) = ', code, flags=re.M)}.")
    return code


def run(path: str, **settings: Any) -> dict:
    """Execute the guide's code; returns its global names."""
    namespace: dict = {"__name__": "__guide__"}
    exec(compile(guide_code(path, **settings), path, "exec"), namespace)  # noqa: S102
    return namespace


if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    for guide in sys.argv[1:]:
        run(guide)
