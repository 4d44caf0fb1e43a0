"""Recurrent layers in models: encoder states into a decoder, inference models made of
the trained layers, stateful layers, saving, and the errors for bad input."""
import os

import numpy as np
import pytest

import lamina as keras
from lamina import layers

RNG = np.random.default_rng(1)


def seq2seq(units=6, tokens_in=5, tokens_out=4):
    """Keras's character-level seq2seq: encoder LSTM states start the decoder LSTM."""
    encoder_inputs = keras.Input(shape=(None, tokens_in))
    _, state_h, state_c = layers.LSTM(units, return_state=True)(encoder_inputs)
    decoder_inputs = keras.Input(shape=(None, tokens_out))
    decoder_lstm = layers.LSTM(units, return_sequences=True, return_state=True)
    decoder_seq, _, _ = decoder_lstm(decoder_inputs, initial_state=[state_h, state_c])
    decoder_dense = layers.Dense(tokens_out, activation="softmax")
    model = keras.Model([encoder_inputs, decoder_inputs], decoder_dense(decoder_seq))
    return model, (encoder_inputs, [state_h, state_c], decoder_inputs, decoder_lstm,
                   decoder_dense)


def test_seq2seq_trains_and_inference_models_reuse_the_trained_layers():
    model, (enc_in, enc_states, dec_in, dec_lstm, dec_dense) = seq2seq()
    assert model.output_shape == (None, None, 4)
    x_enc = np.eye(5, dtype=np.float32)[RNG.integers(0, 5, (16, 7))]
    x_dec = np.eye(4, dtype=np.float32)[RNG.integers(0, 4, (16, 3))]
    y = np.roll(x_dec, -1, axis=1)
    model.compile("rmsprop", "categorical_crossentropy")
    history = model.fit([x_enc, x_dec], y, batch_size=8, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2

    encoder_model = keras.Model(enc_in, enc_states)
    state_inputs = [keras.Input(shape=(6,)), keras.Input(shape=(6,))]
    seq, h, c = dec_lstm(dec_in, initial_state=state_inputs)
    decoder_model = keras.Model([dec_in] + state_inputs, [dec_dense(seq), h, c])

    # Decoding step by step gives the teacher-forced model's outputs.
    full = model.predict([x_enc[:2], x_dec[:2]], verbose=0)
    states = encoder_model.predict(x_enc[:2], verbose=0)
    assert [s.shape for s in states] == [(2, 6), (2, 6)]
    for t in range(3):
        probs, h, c = decoder_model.predict([x_dec[:2, t:t + 1]] + states, verbose=0)
        assert probs.shape == (2, 1, 4)
        np.testing.assert_allclose(probs[:, 0], full[:, t], atol=1e-5)
        states = [h, c]


def test_seq2seq_model_saves_and_loads(tmp_path):
    model, _ = seq2seq()
    x = [np.eye(5, dtype=np.float32)[RNG.integers(0, 5, (2, 7))],
         np.eye(4, dtype=np.float32)[RNG.integers(0, 4, (2, 3))]]
    path = os.path.join(tmp_path, "s2s.lamina")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)
    assert [w.name for w in loaded.weights] == [w.name for w in model.weights]


def test_stateful_layer_carries_states_across_calls_and_batches():
    layer = layers.LSTM(3, stateful=True, batch_input_shape=(2, 4, 1))
    model = keras.Sequential([layer, layers.Dense(1)])
    x = RNG.normal(size=(2, 8, 1)).astype(np.float32)
    whole = layers.LSTM(3)
    whole(x)
    whole.set_weights(layer.get_weights()[:3])
    layer(x[:, :4])
    second = np.asarray(layer(x[:, 4:]))
    np.testing.assert_allclose(second, np.asarray(whole(x)), atol=1e-5)
    model.reset_states()
    assert np.abs(layer.states[0].numpy()).sum() == 0 and layer.states[0].shape == (2, 3)

    # predict, one step at a time, carries the states like one call on the whole sequence
    model.reset_states()
    steps = [model.predict(x[:, t:t + 1], batch_size=2, verbose=0) for t in range(4)]
    once = keras.Sequential([layers.LSTM(3, batch_input_shape=(2, 4, 1)), layers.Dense(1)])
    once.set_weights(model.get_weights()[:5])
    np.testing.assert_allclose(steps[-1], once.predict(x[:, :4], verbose=0), atol=1e-5)
    np.testing.assert_allclose(model.predict_on_batch(x[:, 4:]),
                               np.asarray(model.layers[1](whole(x))), atol=1e-5)
    model.reset_states()
    model.compile("sgd", "mse")
    model.fit(RNG.normal(size=(6, 4, 1)), np.zeros((6, 1)), batch_size=2, shuffle=False,
              verbose=0)
    assert np.abs(layer.states[1].numpy()).sum() > 0  # the last batch's final c
    with pytest.raises(ValueError, match="keeps states for batches of 2"):
        model.predict(np.zeros((3, 4, 1)), batch_size=3, verbose=0)


def test_two_dimensional_input_to_an_rnn_names_the_fix():
    with pytest.raises(ValueError, match=r"\(batch, time, features\).*expand_dims.*Reshape"):
        layers.LSTM(4)(np.ones((8, 5)))
    model = keras.Sequential([keras.Input((5,)), layers.Reshape((5, 1)), layers.GRU(2)])
    assert model.output_shape == (None, 2)
    with pytest.raises(ValueError, match="2-D input of shape"):
        keras.Sequential([keras.Input((5,)), layers.SimpleRNN(2)])


def test_initial_state_of_the_wrong_number_or_shape():
    layer = layers.LSTM(4)
    x = np.ones((2, 3, 5), np.float32)
    with pytest.raises(ValueError, match=r"2 state\(s\).*holds 1.*\[h, c\]"):
        layer(x, initial_state=[np.zeros((2, 4))])
    with pytest.raises(ValueError, match=r"initial_state\[1\] of shape \(2, 4\).*\(2, 8\)"):
        layer(x, initial_state=[np.zeros((2, 4)), np.zeros((2, 8))])
    inputs = keras.Input((3, 5))
    with pytest.raises(ValueError, match="same units"):
        layers.GRU(4)(inputs, initial_state=[keras.Input((6,))])


def test_symbolic_call_falls_back_on_output_shape_for_users_code_only():
    # A Lambda whose function cannot be traced gives its declared output_shape; the
    # RNN's own initial_state error above is raised, not replaced by its output shape.
    y = layers.Lambda(lambda t: np.asarray(t) * 2, output_shape=(3,))(keras.Input((3,)))
    assert y.shape == (None, 3)
    with pytest.raises(ValueError, match=r"initial_state\[1\] of shape"):
        layers.LSTM(4)(keras.Input((3, 5)), initial_state=[keras.Input((4,)),
                                                           keras.Input((5,))])


def test_stateful_rnn_needs_stateful_to_reset():
    with pytest.raises(AttributeError, match="stateful=True"):
        layers.GRU(2).reset_states()


def test_cell_given_a_sequence_says_to_wrap_it():
    with pytest.raises(ValueError, match=r"keras.layers.RNN\(LSTMCell"):
        layers.LSTMCell(2)(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="state_size"):
        layers.RNN(layers.Dense(3))


def test_ragged_sequences_and_text_into_fit_name_the_fix():
    model = keras.Sequential([layers.Embedding(10, 2), layers.LSTM(2), layers.Dense(1)])
    model.compile("adam", "mse")
    y = np.zeros(2)
    with pytest.raises(ValueError, match="pad_sequences"):
        model.fit([[1, 2, 3], [4, 5]], y, verbose=0)
    with pytest.raises(ValueError, match="pad_sequences"):
        model.fit(np.array([[1, 2, 3], [4, 5]], dtype=object), y, verbose=0)
    with pytest.raises(ValueError, match="pad_sequences"):
        model.fit([np.array([1, 2, 3]), np.array([4, 5])], y, verbose=0)
    with pytest.raises(ValueError, match="TextVectorization.*StringLookup"):
        model.fit(np.array(["a fine film", "dull"]), y, verbose=0)
