"""The `lamina` command: `lamina demo` trains, prints its curve and writes a PNG."""
import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from lamina import __version__  # noqa: E402
from lamina.cli import main  # noqa: E402


def test_cli_demo_prints_curve_and_writes_png(tmp_path, capsys):
    output = tmp_path / "curve.png"
    assert main(["demo", "--epochs", "3", "--output", str(output)]) == 0
    out = capsys.readouterr().out
    assert "455 training rows, 114 test rows, 30 features" in out
    assert "Loss per epoch:" in out and "* loss" in out and "o val_loss" in out
    assert f"Learning curves saved to {output}" in out
    with Image.open(output) as image:
        assert image.size == (1000, 360)  # two panels (loss, accuracy) at 100 dpi


def test_cli_without_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out


def test_cli_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"lamina {__version__}"
