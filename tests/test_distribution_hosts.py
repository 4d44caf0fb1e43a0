"""Several hosts: two processes on loopback join one job with
`lamina.distribution.initialize` (on `jax.distributed`, gloo collectives on CPU), each
with 2 simulated CPU devices, train data parallel over the 4 devices, and end with
the weights of a run in one process."""
import json
import os
import pathlib
import socket
import subprocess
import sys
import textwrap

import numpy as np

import lamina as keras

ROOT = pathlib.Path(__file__).resolve().parents[1]

_WORKER = textwrap.dedent("""
    import json, sys
    import lamina as keras
    from lamina import distribution as D
    D.initialize(f"127.0.0.1:{sys.argv[2]}", num_processes=2, process_id=int(sys.argv[1]))
    import jax, numpy as np
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 8)).astype("float32")
    y = (x @ rng.normal(size=(8, 1))).astype("float32")
    D.set_distribution(D.DataParallel())
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Input((8,)),
                              keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    history = model.fit(x, y, batch_size=16, epochs=3, verbose=0)
    print("RESULT" + json.dumps({"process": jax.process_index(),
                                 "devices": [jax.device_count(), jax.local_device_count()],
                                 "loss": history.history["loss"],
                                 "weights": [w.tolist() for w in model.get_weights()]}))
""")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _single_process_weights():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 8)).astype("float32")
    y = (x @ rng.normal(size=(8, 1))).astype("float32")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Input((8,)),
                              keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    history = model.fit(x, y, batch_size=16, epochs=3, verbose=0)
    return history.history["loss"], model.get_weights()


def test_two_processes_train_to_the_single_process_weights():
    port = str(_free_port())
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2",
               JAX_PLATFORMS="cpu")
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, str(i), port], env=env,
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for i in range(2)]
    outs = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=600)
        line = [l for l in stdout.splitlines() if l.startswith("RESULT")]
        assert line, stdout[-2000:] + stderr[-4000:]
        outs.append(json.loads(line[0][len("RESULT"):]))
    loss, weights = _single_process_weights()
    assert sorted(o["process"] for o in outs) == [0, 1]
    for out in outs:
        assert out["devices"] == [4, 2]
        np.testing.assert_allclose(out["loss"], loss, rtol=1e-5)
        got = [np.asarray(w, np.float32) for w in out["weights"]]
        assert [w.shape for w in got] == [(8, 16), (16,), (16, 1), (1,)]
        for g, w in zip(got, weights):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
