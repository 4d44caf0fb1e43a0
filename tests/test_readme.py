"""The README's quickstart runs as written and learns."""
import pathlib
import re

import matplotlib

matplotlib.use("Agg")


def test_readme_quickstart_runs_and_reduces_the_loss(capsys):
    text = pathlib.Path(__file__).resolve().parents[1].joinpath("README.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 (our own README)
    history = namespace["history"]
    assert len(history.history["loss"]) == 20
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert set(history.history) == {"loss", "mse", "val_loss", "val_mse"}
    assert "Epoch 20/20" in capsys.readouterr().out


def test_readme_layer_testing_example_runs():
    text = pathlib.Path(__file__).resolve().parents[1].joinpath("README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    code = next(b for b in blocks if "run_layer_test" in b)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 (our own README)
    assert namespace["Scale"].__name__ == "Scale"
