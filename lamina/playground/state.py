"""The playground's settings and their URL hash, with TensorFlow Playground's keys.

`parse_hash` reads a TensorFlow Playground link (`#activation=relu&networkShape=8,8`)
the way its `State.deserializeState` does: unknown keys and unknown values are
ignored, numbers are read with JavaScript's `+value`, booleans are true unless
"false", `*_hide` keys are kept. `serialize_hash` writes the keys back in the
playground's order, followed by Lamina's own (`optimizer`, `dropout`, `batchNorm`).
`apply_update` is the strict path for messages from the page: every key and value
is checked, and errors say what was received and what is valid.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any

from lamina.datasets.playground import CLASSIFICATION, REGRESSION, random_seed

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
REGULARIZATIONS = ("none", "L1", "L2")
PROBLEMS = ("classification", "regression")
OPTIMIZERS = ("sgd", "momentum", "adam", "rmsprop")
INPUTS = ("x", "y", "xSquared", "ySquared", "xTimesY", "sinX", "sinY", "cosX", "cosY")
MAX_LAYERS = 6
MAX_NEURONS = 32  # the page's buttons stop at 8, as TensorFlow Playground's; wider on request
HIDE_SUFFIX = "_hide"

# (name, kind, choices or (low, high)) in TensorFlow Playground's serialization order.
_PROPS: tuple = (
    ("activation", "choice", ACTIVATIONS),
    ("regularization", "choice", REGULARIZATIONS),
    ("batchSize", "number", (1, 30)),
    ("dataset", "choice", CLASSIFICATION),
    ("regDataset", "choice", REGRESSION),
    ("learningRate", "number", (1e-5, 10)),
    ("regularizationRate", "number", (0, 10)),
    ("noise", "number", (0, 50)),
    ("networkShape", "shape", (0, MAX_NEURONS)),
    ("seed", "string", 40),
    ("showTestData", "bool", None),
    ("discretize", "bool", None),
    ("percTrainData", "number", (10, 90)),
    ("x", "bool", None), ("y", "bool", None), ("xTimesY", "bool", None),
    ("xSquared", "bool", None), ("ySquared", "bool", None), ("cosX", "bool", None),
    ("sinX", "bool", None), ("cosY", "bool", None), ("sinY", "bool", None),
    ("collectStats", "bool", None),
    ("problem", "choice", PROBLEMS),
    ("initZero", "bool", None),
    ("hideText", "bool", None),
    ("optimizer", "choice", OPTIMIZERS),
    ("dropout", "rates", (0, 0.9)),
    ("batchNorm", "flags", None),
)
_KINDS = {name: (kind, spec) for name, kind, spec in _PROPS}
_INTEGER = {"batchSize", "noise", "percTrainData"}


@dataclasses.dataclass
class PlaygroundState:
    """Every setting of a run, with TensorFlow Playground's defaults.

    Example:
        >>> s = PlaygroundState()
        >>> s.activation, s.networkShape, s.learningRate, s.input_names()
        ('tanh', [4, 2], 0.03, ['x', 'y'])
    """

    activation: str = "tanh"
    regularization: str = "none"
    batchSize: int = 10
    dataset: str = "circle"
    regDataset: str = "reg-plane"
    learningRate: float = 0.03
    regularizationRate: float = 0.0
    noise: int = 0
    networkShape: list = dataclasses.field(default_factory=lambda: [4, 2])
    seed: str = dataclasses.field(default_factory=random_seed)
    showTestData: bool = False
    discretize: bool = False
    percTrainData: int = 50
    x: bool = True
    y: bool = True
    xTimesY: bool = False
    xSquared: bool = False
    ySquared: bool = False
    cosX: bool = False
    sinX: bool = False
    cosY: bool = False
    sinY: bool = False
    collectStats: bool = False
    problem: str = "classification"
    initZero: bool = False
    hideText: bool = False
    optimizer: str = "sgd"
    dropout: list = dataclasses.field(default_factory=list)
    batchNorm: list = dataclasses.field(default_factory=list)
    hidden: dict = dataclasses.field(default_factory=dict)  # the `*_hide` keys

    def input_names(self) -> list[str]:
        """The enabled input features, in the playground's order."""
        return [n for n in INPUTS if getattr(self, n)]

    def data_name(self) -> str:
        """The data set in use: `dataset` or `regDataset` by `problem`."""
        return self.dataset if self.problem == "classification" else self.regDataset

    def layer_dropout(self, i: int) -> float:
        return float(self.dropout[i]) if i < len(self.dropout) else 0.0

    def layer_batchnorm(self, i: int) -> bool:
        return bool(self.batchNorm[i]) if i < len(self.batchNorm) else False

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _js_number(text: str) -> float:
    """JavaScript's `+text`: blank is 0, junk is NaN."""
    text = text.strip()
    if not text:
        return 0.0
    try:
        return float(text)
    except ValueError:
        return math.nan


def _coerce(name: str, value: Any) -> Any:
    """A checked value for `name`; raises ValueError saying what is valid."""
    kind, spec = _KINDS[name]
    if kind == "choice":
        if value not in spec:
            raise ValueError(f"'{name}' must be one of {list(spec)}, but received {value!r}.")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"'{name}' must be true or false, but received {value!r}.")
        return value
    if kind == "string":
        if not isinstance(value, str) or not 0 < len(value) <= spec or "&" in value \
                or "=" in value:
            raise ValueError(f"'{name}' must be a short string without '&' or '=' (at most "
                             f"{spec} characters), but received {str(value)[:60]!r}.")
        return value
    if kind == "number":
        low, high = spec
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value) or not low <= value <= high:
            raise ValueError(f"'{name}' must be a number from {low} to {high}, but received "
                             f"{str(value)[:60]!r}.")
        return int(value) if name in _INTEGER else float(value)
    if not isinstance(value, list) or len(value) > MAX_LAYERS:
        raise ValueError(f"'{name}' must be a list of at most {MAX_LAYERS} values (one per "
                         f"hidden layer), but received {str(value)[:60]!r}.")
    if kind == "shape":
        if not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_NEURONS
                   for v in value):
            raise ValueError(f"'networkShape' must list 0 to {MAX_LAYERS} layer widths from 1 "
                             f"to {MAX_NEURONS}, but received {value!r}.")
        return list(value)
    if kind == "rates":
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and
                   spec[0] <= v <= spec[1] for v in value):
            raise ValueError(f"'dropout' must list rates from 0 to 0.9 per hidden layer, but "
                             f"received {value!r}.")
        return [float(v) for v in value]
    if not all(v in (0, 1) for v in value):  # flags
        raise ValueError(f"'batchNorm' must list 0 or 1 per hidden layer, but received "
                         f"{value!r}.")
    return [int(v) for v in value]


def apply_update(state: PlaygroundState, changes: Any) -> PlaygroundState:
    """A copy of `state` with `changes` (a dict from the page) checked and applied.

    Raises:
        ValueError: naming the first unknown key or invalid value.

    Example:
        >>> s = apply_update(PlaygroundState(), {"activation": "relu", "batchSize": 3})
        >>> s.activation, s.batchSize
        ('relu', 3)
    """
    if not isinstance(changes, dict):
        raise ValueError(f"Settings must be an object of key: value, but received "
                         f"{type(changes).__name__}.")
    new = dataclasses.replace(state, networkShape=list(state.networkShape),
                              dropout=list(state.dropout), batchNorm=list(state.batchNorm),
                              hidden=dict(state.hidden))
    for key, value in changes.items():
        if key not in _KINDS:
            raise ValueError(f"Unknown setting {str(key)[:40]!r}. Valid settings: "
                             f"{sorted(_KINDS)}.")
        setattr(new, key, _coerce(key, value))
    if not new.input_names():
        raise ValueError(f"At least one input feature must stay on ({', '.join(INPUTS)}).")
    return new


def parse_hash(text: str) -> PlaygroundState:
    """Settings from a URL hash, leniently, as TensorFlow Playground reads its links.

    Example:
        >>> s = parse_hash("#activation=relu&networkShape=8,8,8&seed=0.5&dataset=spiral"
        ...                "&x_hide=true&bogus=1&noise=oops")
        >>> s.activation, s.networkShape, s.seed, s.dataset, s.hidden, s.noise
        ('relu', [8, 8, 8], '0.5', 'spiral', {'x_hide': True}, 0)
    """
    pairs: dict[str, str] = {}
    for item in text.lstrip("#").split("&")[:200]:
        name, _, value = item.partition("=")
        pairs[name] = value
    state = PlaygroundState()
    for name, (kind, spec) in _KINDS.items():
        if name not in pairs:
            continue
        raw = pairs[name]
        try:
            if kind in ("shape", "rates", "flags"):
                items = [] if not raw.strip() else raw.split(",")
                numbers = [_js_number(v) for v in items]
                if kind in ("shape", "flags"):
                    numbers = [int(v) if float(v).is_integer() else v for v in numbers]
                setattr(state, name, _coerce(name, numbers))
            elif not raw.strip():
                continue
            elif kind == "number":
                setattr(state, name, _coerce(name, _js_number(raw)))
            elif kind == "bool":
                setattr(state, name, raw != "false")
            else:
                setattr(state, name, _coerce(name, raw))
        except (ValueError, OverflowError):
            continue  # An unusable value keeps the default, as in the playground.
    state.hidden = {k: v == "true" for k, v in pairs.items()
                    if k.endswith(HIDE_SUFFIX) and len(k) < 40}
    if not state.input_names():
        state.x = state.y = True
    return state


def _format_number(value: float) -> str:
    """JavaScript's String(number) for the values the settings hold."""
    if float(value).is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(float(value))


def serialize_hash(state: PlaygroundState) -> str:
    """The URL hash (without '#') for `state`, in TensorFlow Playground's key order.

    Example:
        >>> serialize_hash(PlaygroundState(seed="0.5"))[:60]
        'activation=tanh&regularization=none&batchSize=10&dataset=cir'
    """
    parts = []
    for name, kind, _ in _PROPS:
        value = getattr(state, name)
        if kind in ("shape", "rates", "flags"):
            text = ",".join(_format_number(v) for v in value)
        elif kind == "bool":
            text = "true" if value else "false"
        elif kind == "number":
            text = _format_number(value)
        else:
            text = str(value)
        parts.append(f"{name}={text}")
    parts += [f"{k}={'true' if v else 'false'}" for k, v in state.hidden.items()]
    return "&".join(parts)
