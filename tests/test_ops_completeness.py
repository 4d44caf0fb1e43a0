"""`lamina.ops` and `lamina.random` against the names and signatures of Keras 3.

`fixtures/keras3_ops.json` lists the public names of `keras.ops`, `keras.ops.linalg`,
`keras.ops.image`, `keras.ops.nn` and `keras.random` of Keras 3.15 with their
parameters (name, kind, default). A Keras name Lamina lacks, or a signature that
differs, fails unless it is listed below with the reason.
"""
import importlib
import inspect
import json
import pathlib

import pytest

import lamina
from lamina import ops

FIXTURE = json.loads((pathlib.Path(__file__).parent / "fixtures" / "keras3_ops.json")
                     .read_text())["namespaces"]
NAMESPACES = {"ops": ops, "ops.linalg": ops.linalg, "ops.image": ops.image, "ops.nn": ops.nn,
              "random": lamina.random}

# Keras names Lamina leaves out, with the reason (none at present).
MISSING: dict[str, str] = {}

# Signatures that differ from Keras's, with the reason (none at present).
SIGNATURES: dict[str, str] = {}


def _signature(fn):
    return [[p.name, p.kind.name, None if p.default is inspect.Parameter.empty
             else repr(p.default)] for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("namespace", sorted(NAMESPACES))
def test_every_keras_name_exists_or_is_documented(namespace):
    module = NAMESPACES[namespace]
    missing = [f"{namespace}.{name}" for name in FIXTURE[namespace]
               if not hasattr(module, name) and f"{namespace}.{name}" not in MISSING]
    assert missing == []


@pytest.mark.parametrize("namespace", sorted(NAMESPACES))
def test_every_signature_matches_keras_or_is_documented(namespace):
    module = NAMESPACES[namespace]
    different = [f"{namespace}.{name}: Keras {params} but Lamina {_signature(getattr(module, name))}"
                 for name, params in FIXTURE[namespace].items()
                 if hasattr(module, name) and f"{namespace}.{name}" not in SIGNATURES
                 and _signature(getattr(module, name)) != params]
    assert different == []


def test_documented_gaps_are_real():
    for key in MISSING:
        namespace, name = key.rsplit(".", 1)
        assert not hasattr(NAMESPACES[namespace], name), f"{key} exists: drop it from MISSING"


def _cases():
    found = {}
    for path in sorted(pathlib.Path(__file__).parent.glob("test_ops_*.py")):
        if path.stem == "test_ops_completeness":
            continue
        found.update(importlib.import_module(path.stem).CASES)
    return found


def test_every_exported_op_has_a_reference_case():
    cases = _cases()
    exported = {name for name in ops.__all__ if name not in ("core", "image", "linalg",
                                                              "math", "nn", "numpy")}
    exported |= {f"image.{name}" for name in FIXTURE["ops.image"]}
    assert sorted(exported - set(cases)) == []
