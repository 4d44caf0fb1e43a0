"""docs/applications.md runs as written: every Python block in order, in one namespace,
each printing exactly the output block that follows it."""
import contextlib
import io
import pathlib
import re

import pytest

pytest.importorskip("sklearn")

GUIDE = pathlib.Path(__file__).resolve().parents[1] / "docs" / "applications.md"


def blocks():
    """(code, expected output or None) for each Python block of the guide."""
    found = re.findall(r"```(python|)\n(.*?)```", GUIDE.read_text(), re.S)
    out = []
    for (kind, text), nxt in zip(found, found[1:] + [("python", "")]):
        if kind == "python":
            out.append((text, nxt[1] if nxt[0] == "" else None))
    return out


def test_docs_applications_guide_runs_and_prints_what_it_shows(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # no ImageNet file, no class index
    namespace: dict = {}
    cases = blocks()
    assert len(cases) == 7
    for code, expected in cases:
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, str(GUIDE), "exec"), namespace)  # noqa: S102 (our own guide)
        if expected is not None:
            assert printed.getvalue() == expected
    assert namespace["history"].history["loss"][0] > 0
    assert namespace["x_test"].shape == (1697, 32, 32, 3)
