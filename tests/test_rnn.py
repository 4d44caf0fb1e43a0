"""Recurrent layers against Keras's equations written by hand in NumPy: gate order and
weight layouts, masks, go_backwards, states, stacking, Bidirectional, TimeDistributed."""
import jax
import numpy as np
import pytest

import lamina as keras
from lamina import layers

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 5, 4)).astype(np.float32)
# Sample 0 is post-padded, sample 1 pre-padded, sample 2 has a gap.
MASK = np.array([[1, 1, 1, 0, 0], [0, 0, 1, 1, 1], [1, 0, 1, 1, 1]], bool)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# -- Keras's equations in NumPy ----------------------------------------------------------
def np_simple(x_t, states, w):
    kernel, recurrent, bias = w
    h = np.tanh(x_t @ kernel + states[0] @ recurrent + bias)
    return h, [h]


def np_lstm(x_t, states, w):
    kernel, recurrent, bias = w
    h, c = states
    z = x_t @ kernel + h @ recurrent + bias
    u = recurrent.shape[0]
    i, f, g, o = z[:, :u], z[:, u:2 * u], z[:, 2 * u:3 * u], z[:, 3 * u:]
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    h = sigmoid(o) * np.tanh(c)
    return h, [h, c]


def np_gru(x_t, states, w, reset_after=True):
    kernel, recurrent, bias = w
    h = states[0]
    u = recurrent.shape[0]
    b_in, b_rec = (bias[0], bias[1]) if reset_after else (bias, np.zeros_like(bias))
    x = x_t @ kernel + b_in
    z = sigmoid(x[:, :u] + h @ recurrent[:, :u] + b_rec[:u])
    r = sigmoid(x[:, u:2 * u] + h @ recurrent[:, u:2 * u] + b_rec[u:2 * u])
    if reset_after:
        hh = np.tanh(x[:, 2 * u:] + r * (h @ recurrent[:, 2 * u:] + b_rec[2 * u:]))
    else:
        hh = np.tanh(x[:, 2 * u:] + (r * h) @ recurrent[:, 2 * u:])
    h = z * h + (1 - z) * hh
    return h, [h]


def np_run(step, x, states, mask=None, go_backwards=False, zero_output=False):
    """Keras's loop: masked steps keep the states and repeat the previous output."""
    order = range(x.shape[1])[::-1] if go_backwards else range(x.shape[1])
    prev = np.zeros((x.shape[0], states[0].shape[-1]), np.float64)
    outs = []
    for t in order:
        out, new = step(x[:, t].astype(np.float64), states)
        if mask is not None:
            m = mask[:, t][:, None]
            new = [np.where(m, n, s) for n, s in zip(new, states)]
            out = np.where(m, out, 0.0 if zero_output else prev)
        states, prev = new, out
        outs.append(out)
    return np.stack(outs, axis=1), states


def weights_of(layer):
    return [w.numpy().astype(np.float64) for w in layer.weights]


# -- the layers ----------------------------------------------------------------------------
CASES = {
    "SimpleRNN": (lambda **kw: layers.SimpleRNN(3, **kw), np_simple),
    "LSTM": (lambda **kw: layers.LSTM(3, **kw), np_lstm),
    "GRU": (lambda **kw: layers.GRU(3, **kw), np_gru),
    "GRU_reset_before": (lambda **kw: layers.GRU(3, reset_after=False, **kw),
                         lambda x, s, w: np_gru(x, s, w, reset_after=False)),
}


def randomize(layer):
    """Nonzero biases, so that a wrong bias layout shows."""
    layer.set_weights([RNG.normal(scale=0.5, size=w.shape).astype(np.float32)
                       for w in layer.weights])


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("go_backwards", [False, True])
def test_recurrent_layer_matches_numpy_with_mask(name, go_backwards):
    make, step = CASES[name]
    layer = make(return_sequences=True, return_state=True, go_backwards=go_backwards)
    layer(X)
    randomize(layer)
    seq, *states = layer(X, mask=MASK)
    n_states = 2 if name == "LSTM" else 1
    zeros = [np.zeros((3, 3))] * n_states
    want_seq, want_states = np_run(lambda x, s: step(x, s, weights_of(layer)), X, zeros,
                                   MASK, go_backwards)
    assert np.shape(seq) == (3, 5, 3) and len(states) == n_states
    np.testing.assert_allclose(np.asarray(seq), want_seq, atol=1e-5)
    for got, want in zip(states, want_states):
        assert np.shape(got) == (3, 3)
        np.testing.assert_allclose(np.asarray(got), want, atol=1e-5)


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_recurrent_layer_compiled_loop_equals_eager_steps(name):
    make, _ = CASES[name]
    layer = make(return_sequences=True, go_backwards=True)
    layer(X)
    randomize(layer)
    eager = np.asarray(layer(X, mask=MASK))
    tv = [w.value for w in layer.trainable_weights]
    compiled, _ = jax.jit(lambda t, x, m: layer.stateless_call(t, [], x, mask=m))(tv, X, MASK)
    assert compiled.shape == (3, 5, 3)
    np.testing.assert_allclose(np.asarray(compiled), eager, atol=1e-5)
    unrolled = make(return_sequences=True, go_backwards=True, unroll=True)
    unrolled(X)
    unrolled.set_weights(layer.get_weights())
    out, _ = jax.jit(lambda t, x: unrolled.stateless_call(t, [], x, mask=MASK))(tv, X)
    np.testing.assert_allclose(np.asarray(out), eager, atol=1e-5)


@pytest.mark.parametrize("go_backwards", [False, True])
def test_lstm_hand_written_loop_equals_the_generic_scan_with_gradients(go_backwards):
    # Without a mask an LSTM runs lamina.core.lstm's loop; an all-True mask takes the
    # generic scan, whose gradient JAX derives: outputs, states and gradients agree.
    layer = layers.LSTM(3, return_sequences=True, return_state=True,
                        go_backwards=go_backwards)
    layer(X)
    randomize(layer)
    tv = [w.value for w in layer.trainable_weights]
    assert layer.cell.split_step(3, 4, False).sequence is not None

    def loss(t, x, mask):
        (seq, h, c), _ = layer.stateless_call(t, [], x, mask=mask)
        return (seq ** 2).sum() + (h * c).sum(), (seq, h, c)

    grad = jax.jit(jax.value_and_grad(loss, has_aux=True))
    (fast_loss, fast), fast_grads = grad(tv, X, None)
    (slow_loss, slow), slow_grads = grad(tv, X, np.ones((3, 5), bool))
    assert fast[0].shape == (3, 5, 3) and fast[1].shape == fast[2].shape == (3, 3)
    for a, b in zip(fast + tuple(fast_grads), slow + tuple(slow_grads)):
        assert a.shape == b.shape
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(float(fast_loss), float(slow_loss), rtol=1e-5)


def test_lstm_weight_layout_and_unit_forget_bias():
    layer = layers.LSTM(2)
    layer(np.zeros((1, 3, 5)))
    kernel, recurrent, bias = layer.get_weights()
    assert (kernel.shape, recurrent.shape, bias.shape) == ((5, 8), (2, 8), (8,))
    np.testing.assert_array_equal(bias, [0, 0, 1, 1, 0, 0, 0, 0])
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(2), atol=1e-5)  # orthogonal
    plain = layers.LSTM(2, unit_forget_bias=False, bias_initializer="ones")
    plain(np.zeros((1, 3, 5)))
    np.testing.assert_array_equal(plain.get_weights()[2], np.ones(8))
    gru = layers.GRU(2)
    gru(np.zeros((1, 3, 5)))
    assert [w.shape for w in gru.weights] == [(5, 6), (2, 6), (2, 6)]
    before = layers.GRU(2, reset_after=False)
    before(np.zeros((1, 3, 5)))
    assert [w.shape for w in before.weights] == [(5, 6), (2, 6), (6,)]
    no_bias = layers.SimpleRNN(2, use_bias=False)
    no_bias(np.zeros((1, 3, 5)))
    assert [w.shape for w in no_bias.weights] == [(5, 2), (2, 2)]


def test_masked_padding_gives_the_output_of_the_unpadded_sequence():
    layer = layers.LSTM(3)
    ids = np.array([[0, 0, 4, 2, 7], [4, 2, 7, 0, 0]])
    model = keras.Sequential([layers.Embedding(8, 4, mask_zero=True), layer])
    pre, post = np.asarray(model(ids))
    alone = np.asarray(model(np.array([[4, 2, 7]])))[0]
    np.testing.assert_allclose(pre, alone, atol=1e-6)
    np.testing.assert_allclose(post, alone, atol=1e-6)


def test_return_sequences_output_and_mask_at_masked_steps():
    layer = layers.SimpleRNN(2, return_sequences=True)
    model = keras.Sequential([layers.Masking(0.0), layer])
    x = np.ones((1, 4, 1), np.float32)
    x[0, 2] = 0.0
    out = model(x)
    seq = np.asarray(out)
    assert seq.shape == (1, 4, 2)
    np.testing.assert_array_equal(seq[0, 2], seq[0, 1])  # repeats the last output
    assert np.asarray(out._keras_mask).tolist() == [[True, True, False, True]]
    zero = layers.SimpleRNN(2, return_sequences=True, zero_output_for_mask=True)
    zero(x)
    zero.set_weights(layer.get_weights())
    np.testing.assert_array_equal(np.asarray(zero(x, mask=x[..., 0] != 0))[0, 2], [0, 0])


def test_initial_state_sets_the_first_state():
    layer = layers.LSTM(3, return_state=True)
    layer(X)
    randomize(layer)
    h0 = RNG.normal(size=(3, 3)).astype(np.float32)
    c0 = RNG.normal(size=(3, 3)).astype(np.float32)
    out, h, c = layer(X, initial_state=[h0, c0])
    seq, (h_np, c_np) = np_run(lambda x, s: np_lstm(x, s, weights_of(layer)), X,
                               [h0.astype(np.float64), c0.astype(np.float64)])
    np.testing.assert_allclose(np.asarray(out), seq[:, -1], atol=1e-5)
    np.testing.assert_allclose(np.asarray(c), c_np, atol=1e-5)


class MinimalCell(keras.layers.Layer):
    """A user's cell as the Keras guide writes it: `h = x @ W + h_prev @ U`."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                name="recurrent_kernel")

    def call(self, inputs, states):
        output = inputs @ self.kernel + states[0] @ self.recurrent_kernel
        return output, [output]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_rnn_runs_a_users_cell_and_trains_it():
    layer = layers.RNN(MinimalCell(2), return_sequences=True)
    out = np.asarray(layer(X, mask=MASK))
    w, u = (v.numpy().astype(np.float64) for v in layer.weights)
    want, _ = np_run(lambda x, s: (x @ w + s[0] @ u, [x @ w + s[0] @ u]), X,
                     [np.zeros((3, 2))], MASK)
    assert out.shape == (3, 5, 2)
    np.testing.assert_allclose(out, want, atol=1e-5)
    model = keras.Sequential([keras.Input((5, 4)), layers.RNN(MinimalCell(2)),
                              layers.Dense(1)])
    model.compile("adam", "mse")
    history = model.fit(X, np.ones((3, 1)), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_stacked_cells_equal_two_layers():
    first, second = layers.LSTMCell(3), layers.GRUCell(2)
    stacked = layers.RNN([first, second], return_state=True)
    out, (h1, c1), (h2,) = stacked(X)
    lower = layers.LSTM(3, return_sequences=True)
    upper = layers.GRU(2)
    lower(X)
    lower.set_weights(first.get_weights())
    seq = lower(X)
    upper(seq)
    upper.set_weights(second.get_weights())
    np.testing.assert_allclose(np.asarray(out), np.asarray(upper(seq)), atol=1e-5)
    assert np.shape(h1) == (3, 3) and np.shape(c1) == (3, 3) and np.shape(h2) == (3, 2)
    assert stacked.cell.state_size == [[3, 3], 2]


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_merges_forward_and_reversed_backward(merge_mode):
    layer = layers.Bidirectional(layers.GRU(2, return_sequences=True), merge_mode=merge_mode)
    layer(X)
    for sub in (layer.forward_layer, layer.backward_layer):
        randomize(sub)
    out = layer(X, mask=MASK)
    zeros = [np.zeros((3, 2))]
    fwd, _ = np_run(lambda x, s: np_gru(x, s, weights_of(layer.forward_layer)), X, zeros,
                    MASK, zero_output=True)
    bwd, _ = np_run(lambda x, s: np_gru(x, s, weights_of(layer.backward_layer)), X, zeros,
                    MASK, go_backwards=True, zero_output=True)
    bwd = bwd[:, ::-1]
    want = {"concat": np.concatenate([fwd, bwd], -1), "sum": fwd + bwd, "mul": fwd * bwd,
            "ave": (fwd + bwd) / 2, None: None}[merge_mode]
    if merge_mode is None:
        assert [np.shape(o) for o in out] == [(3, 5, 2), (3, 5, 2)]
        np.testing.assert_allclose(np.asarray(out[1]), bwd, atol=1e-5)
    else:
        assert np.shape(out) == want.shape
        np.testing.assert_allclose(np.asarray(out), want, atol=1e-5)


def test_bidirectional_states_names_and_backward_layer():
    layer = layers.Bidirectional(layers.LSTM(2, return_state=True), name="bi")
    out, fh, fc, bh, bc = layer(X)
    assert np.shape(out) == (3, 4) and np.shape(bc) == (3, 2)
    np.testing.assert_allclose(np.asarray(out), np.concatenate([fh, bh], -1), atol=1e-6)
    assert layer.forward_layer.name.startswith("forward_lstm")
    assert layer.backward_layer.go_backwards
    backward = layers.SimpleRNN(2, go_backwards=True)
    custom = layers.Bidirectional(layers.SimpleRNN(2), backward_layer=backward)
    assert custom.backward_layer is backward
    with pytest.raises(ValueError, match="go_backwards=True"):
        layers.Bidirectional(layers.SimpleRNN(2), backward_layer=layers.SimpleRNN(2))
    with pytest.raises(ValueError, match="merge_mode='max'"):
        layers.Bidirectional(layers.SimpleRNN(2), merge_mode="max")


def test_time_distributed_applies_the_layer_at_every_step():
    dense = layers.Dense(2, activation="relu")
    layer = layers.TimeDistributed(dense)
    out = np.asarray(layer(X))
    kernel, bias = dense.get_weights()
    assert out.shape == (3, 5, 2)
    np.testing.assert_allclose(out, np.maximum(X @ kernel + bias, 0), atol=1e-6)
    with pytest.raises(ValueError, match="at least 3 axes"):
        layers.TimeDistributed(layers.Dense(2))(np.ones((2, 3)))


def test_dropout_is_random_in_training_only_and_seeded():
    layer = layers.LSTM(3, dropout=0.5, recurrent_dropout=0.5, seed=3)
    inference = np.asarray(layer(X))
    np.testing.assert_array_equal(np.asarray(layer(X)), inference)
    assert not np.allclose(np.asarray(layer(X, training=True)), inference)
    tv = [w.value for w in layer.trainable_weights]
    run = jax.jit(lambda key: layer.stateless_call(tv, [], X, training=True, rng=key)[0])
    np.testing.assert_array_equal(np.asarray(run(jax.random.PRNGKey(1))),
                                  np.asarray(run(jax.random.PRNGKey(1))))


@pytest.mark.parametrize("name", ["LSTM", "GRU", "SimpleRNN"])
def test_input_dropout_keeps_one_mask_for_every_step(name):
    # Keras drops the same input features at every step of a sequence. With 2 features,
    # each row's output in training must equal the dropout-free output of that row's
    # inputs under one of the 4 masks (kept features scaled by 1 / (1 - rate)).
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 5, 2)).astype("float32")   # batch 3 != time 5
    layer = getattr(layers, name)(4, dropout=0.5, return_sequences=True, seed=1)
    plain = getattr(layers, name)(4, return_sequences=True)
    plain.build(x.shape)
    layer.build(x.shape)
    tv = [w.value for w in layer.trainable_weights]
    # Under jit, as in fit: the layer runs its whole-sequence loop there.
    out = np.asarray(jax.jit(lambda key: layer.stateless_call(
        tv, [], x, training=True, rng=key)[0])(jax.random.PRNGKey(2)))
    plain.set_weights(layer.get_weights())
    candidates = [np.asarray(plain(x * np.array(m, "float32") * 2.0))
                  for m in ((0, 0), (0, 1), (1, 0), (1, 1))]
    for row in range(3):
        assert any(np.allclose(out[row], c[row], atol=1e-5) for c in candidates), row
