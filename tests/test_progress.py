"""Progress output of fit/evaluate (verbose 0, 1, 2, 'auto') and the Chunker."""
import io
import re
import sys

import numpy as np
import pytest

import lamina as keras
from lamina import layers
from lamina.models import _progress as progress
from lamina.models._progress import Chunker, resolve_verbose
from lamina.utils import Progbar
from lamina.utils.progbar import format_time, format_value

X = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
Y = X.sum(1, keepdims=True)

FINISHED_1 = re.compile(r"^3/3 \[=+\] - \d+(s|ms|us) \d+(s|ms|us)/step - loss: \d+\.\d{4}"
                        r" - mae: \d+\.\d{4}$")
FINISHED_2 = re.compile(r"^3/3 - \d+(s|ms|us) - loss: \d+\.\d{4} - mae: \d+\.\d{4} - "
                        r"\d+(s|ms|us)/epoch - \d+(s|ms|us)/step$")


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    m = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    m.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse", metrics=["mae"])
    m.fit(X, Y, batch_size=8, epochs=1, verbose=0)  # compile once for all tests
    return m


def lines(text):
    return text.split("\n")


def test_fit_verbose_0_prints_nothing(model, capsys):
    model.fit(X, Y, batch_size=8, epochs=2, verbose=0)
    model.evaluate(X, Y, verbose=0)
    assert capsys.readouterr().out == ""


def test_fit_verbose_1_in_a_log_file_writes_one_finished_line_per_epoch(model, capsys):
    assert not sys.stdout.isatty()
    history = model.fit(X, Y, batch_size=8, epochs=2, verbose=1)
    out = capsys.readouterr().out
    assert "\r" not in out and "ETA" not in out
    got = lines(out)
    assert len(got) == 5 and got[-1] == ""
    assert got[0] == "Epoch 1/2" and got[2] == "Epoch 2/2"
    assert FINISHED_1.match(got[1]) and FINISHED_1.match(got[3]), out
    assert f"loss: {format_value(history.history['loss'][1])}" in got[3]


def test_fit_verbose_1_with_batch_callbacks_still_one_line_per_epoch(model, capsys):
    seen = []
    cb = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b))
    model.fit(X, Y, batch_size=8, epochs=2, verbose=1, callbacks=[cb])
    got = lines(capsys.readouterr().out)
    assert seen == [0, 1, 2, 0, 1, 2]
    assert len(got) == 5 and FINISHED_1.match(got[1]) and FINISHED_1.match(got[3])


def test_fit_verbose_2_writes_the_epoch_line(model, capsys):
    model.fit(X, Y, batch_size=8, epochs=2, verbose=2)
    got = lines(capsys.readouterr().out)
    assert len(got) == 5 and got[0] == "Epoch 1/2"
    assert FINISHED_2.match(got[1]) and FINISHED_2.match(got[3]), got


def test_fit_verbose_auto_is_2_when_stdout_is_not_a_tty(model, capsys):
    assert resolve_verbose("auto") == 2
    history = model.fit(X, Y, batch_size=8, epochs=1)
    assert history.params["verbose"] == 2
    got = lines(capsys.readouterr().out)
    assert len(got) == 3 and FINISHED_2.match(got[1])


def test_resolve_verbose_auto_is_1_in_a_terminal(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdout", Tty())
    assert resolve_verbose("auto") == 1


@pytest.mark.parametrize("bad", [3, -1, "yes", None])
def test_resolve_verbose_rejects_other_values(bad):
    with pytest.raises(ValueError, match=rf"verbose must be 0 .*'auto', but received {bad!r}"):
        resolve_verbose(bad)


def test_evaluate_verbose_prints_one_line(model, capsys):
    model.evaluate(X, Y, batch_size=8, verbose=1)
    got = lines(capsys.readouterr().out)
    assert len(got) == 2 and FINISHED_1.match(got[0]), got
    model.evaluate(X, Y, batch_size=8, verbose=2)
    got = lines(capsys.readouterr().out)
    assert len(got) == 2 and FINISHED_2.match(got[0]), got


def test_progbar_redraws_in_place_on_a_terminal():
    out = io.StringIO()
    bar = Progbar(4, verbose=1, stream=out, dynamic=True, width=4)
    bar.update(2, {"loss": 0.5}, finalize=False)
    bar.update(4, {"loss": 0.25}, finalize=True)
    text = out.getvalue()
    first, second = text.split("\r")[1:]
    assert re.fullmatch(r"2/4 \[=>  \] - ETA: \d+(s|ms|us) - loss: 0\.5000", first), first
    assert re.fullmatch(r"4/4 \[====\] - \d+(s|ms|us) \d+(s|ms|us)/step - loss: 0\.2500\n",
                        second), second


def test_progbar_formats_values_and_times_as_tf_keras():
    assert format_value(0.123456) == "0.1235"
    assert format_value(1.2e-5) == "1.2000e-05"
    assert format_value(0.0) == "0.0000"
    assert (format_time(2.4), format_time(0.035), format_time(1.2e-4)) == ("2s", "35ms",
                                                                           "120us")


# -- Chunker ----------------------------------------------------------------------
def test_chunker_runs_the_whole_epoch_when_nobody_watches():
    c = Chunker(every_batch=False, live=False)
    assert c.next(0, 100) == 100 and c.next(40, 100) == 60 and c.next(100, 100) == 0


def test_chunker_every_batch_runs_one_at_a_time():
    c = Chunker(every_batch=True, live=False)
    assert c.live
    assert [c.next(d, 3) for d in range(4)] == [1, 1, 1, 0]


def test_chunker_live_sizes_chunks_from_measured_speed(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(progress.time, "perf_counter", lambda: clock[0])
    c = Chunker(every_batch=False, live=True)
    c.start()
    done, sizes = 0, []

    def call(seconds_per_step):
        nonlocal done
        k = c.next(done, 1000)
        clock[0] += 5.0 if not sizes else k * seconds_per_step  # the first call compiles
        c.record(k)
        sizes.append(k)
        done += k

    for _ in range(7):
        call(1 / 1024)  # 256 steps fit in TARGET_SECONDS = 0.25
    # One batch to compile, one to measure, then growth by at most 4x per call up to
    # the 256 steps of a quarter second.
    assert sizes == [1, 1, 4, 16, 64, 256, 256]
    call(1 / 128)
    call(1 / 128)
    assert sizes[-1] == 32  # re-measured at 1/128 s per step
    assert c.next(995, 1000) == 5  # never past the end
