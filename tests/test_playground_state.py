"""URL-hash settings: TensorFlow Playground's keys, parse/serialize round trip."""
from __future__ import annotations

import pytest

from lamina.playground.state import (PlaygroundState, apply_update, parse_hash,
                                     serialize_hash)

TF_LINK = ("#activation=relu&batchSize=10&dataset=spiral&regDataset=reg-plane"
           "&learningRate=0.03&regularizationRate=0&noise=0&networkShape=8,8,8&seed=0.80292"
           "&showTestData=false&discretize=false&percTrainData=50&x=true&y=true"
           "&xTimesY=false&xSquared=false&ySquared=false&cosX=false&sinX=false&cosY=false"
           "&sinY=false&collectStats=false&problem=classification&initZero=false"
           "&hideText=false")


def test_parse_hash_reads_tensorflow_playground_link():
    s = parse_hash(TF_LINK)
    assert (s.activation, s.dataset, s.networkShape, s.seed) == ("relu", "spiral", [8, 8, 8],
                                                                "0.80292")
    assert (s.batchSize, s.learningRate, s.percTrainData, s.problem) == (10, 0.03, 50,
                                                                        "classification")
    assert s.input_names() == ["x", "y"]


def test_serialize_hash_round_trip_every_key():
    s = PlaygroundState(activation="sigmoid", regularization="L2", batchSize=7,
                        dataset="xor", regDataset="reg-gauss", learningRate=0.001,
                        regularizationRate=0.3, noise=35, networkShape=[1, 8, 3],
                        seed="0.12345", showTestData=True, discretize=True, percTrainData=70,
                        x=False, y=True, xTimesY=True, xSquared=True, ySquared=True,
                        sinX=True, sinY=True, problem="regression", optimizer="adam",
                        dropout=[0.0, 0.5, 0.2], batchNorm=[1, 0, 1],
                        hidden={"dataset_hide": True, "noise_hide": False})
    text = serialize_hash(s)
    assert parse_hash("#" + text) == s
    assert serialize_hash(parse_hash(text)) == text


def test_serialize_hash_keeps_tensorflow_order():
    keys = [kv.split("=")[0] for kv in serialize_hash(PlaygroundState()).split("&")]
    assert keys[:9] == ["activation", "regularization", "batchSize", "dataset", "regDataset",
                        "learningRate", "regularizationRate", "noise", "networkShape"]
    for key in ("seed", "showTestData", "discretize", "percTrainData", "x", "y", "xTimesY",
                "xSquared", "ySquared", "sinX", "sinY", "problem"):
        assert key in keys


def test_parse_hash_hide_keys_kept():
    s = parse_hash("#x_hide=true&problem_hide=false")
    assert s.hidden == {"x_hide": True, "problem_hide": False}
    assert "x_hide=true" in serialize_hash(s)


def test_parse_hash_ignores_bad_values_like_playground():
    s = parse_hash("#activation=swish&batchSize=999&networkShape=8,99&noise=abc&learningRate=")
    assert parse_hash("#networkShape=16,2").networkShape == [16, 2]  # wider on request
    d = PlaygroundState()
    assert (s.activation, s.batchSize, s.networkShape, s.noise, s.learningRate) == (
        d.activation, d.batchSize, d.networkShape, d.noise, d.learningRate)


def test_parse_hash_empty_network_shape_means_no_hidden_layer():
    assert parse_hash("#networkShape=").networkShape == []


def test_parse_hash_boolean_semantics():
    s = parse_hash("#showTestData=1&discretize=false&x=true")
    assert (s.showTestData, s.discretize, s.x) == (True, False, True)


def test_apply_update_rejects_unknown_key():
    with pytest.raises(ValueError, match="Unknown setting 'bogus'"):
        apply_update(PlaygroundState(), {"bogus": 1})


@pytest.mark.parametrize("changes, message", [
    ({"batchSize": "10"}, "batchSize"),
    ({"batchSize": 31}, "from 1 to 30"),
    ({"learningRate": float("nan")}, "learningRate"),
    ({"networkShape": [8] * 7}, "at most 6"),
    ({"networkShape": [33]}, "from 1"),
    ({"networkShape": list(range(10**6))}, "at most 6"),
    ({"activation": "swish"}, "relu"),
    ({"x": False, "y": False}, "input feature"),
    ({"seed": "a&b"}, "seed"),
])
def test_apply_update_rejects_bad_values(changes, message):
    with pytest.raises(ValueError, match=message):
        apply_update(PlaygroundState(), changes)


def test_apply_update_leaves_original_unchanged():
    s = PlaygroundState()
    t = apply_update(s, {"networkShape": [3]})
    assert s.networkShape == [4, 2] and t.networkShape == [3]
