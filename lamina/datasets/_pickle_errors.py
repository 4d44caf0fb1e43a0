"""The two ways reading a pickle from a data file fails: it asks for more than data
(`PickleRefused`), or it is malformed (`PickleDamaged`). Both are `ValueError`s, and
`load_pickle` words them for the file they came from."""
from __future__ import annotations

ADVICE = "The file may be corrupted or malicious; delete it and download it again."
ALLOWED = "only numbers, strings, bytes, lists, tuples, dicts, sets and NumPy arrays"


class PickleRefused(ValueError):
    """The pickle names a global, an opcode or a call outside the data the reader knows.

    Example:
        >>> str(refuse("the pickle opcode INST", 2))[:43]
        'Refusing the pickle opcode INST at byte 2 o'
    """


class PickleDamaged(ValueError):
    """The pickle is malformed: truncated, unbalanced, or with values of the wrong kind.

    Example:
        >>> str(damaged("APPEND found no list", 9))
        'APPEND found no list, at byte 9'
    """


def refuse(what: str, pos: int | None) -> PickleRefused:
    """The error for `what` (an opcode, a call), found at byte `pos` of the pickle."""
    return PickleRefused(f"Refusing {what} at byte {pos} of a data file: {ALLOWED} may be "
                         f"read. {ADVICE}")


def refuse_global(module: str, name: str) -> PickleRefused:
    """The error for a pickle naming the global `module.name`."""
    return PickleRefused(f"Refusing to load the global '{module}.{name}' from a data file: "
                         f"only NumPy arrays may be rebuilt. {ADVICE}")


def damaged(what: str, pos: int | None) -> PickleDamaged:
    """The error for a malformed pickle: `what` went wrong at byte `pos`."""
    return PickleDamaged(f"{what}, at byte {pos}")
