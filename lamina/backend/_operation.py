"""`Operation`: a function of tensors called on `KerasTensor`s, recorded as a graph node.

Keras 3 records `keras.ops.add(x, y)`, `x * 2` or `x[:, :1]` on symbolic tensors as
operations of the functional graph, so `keras.Model(inputs, outputs)` runs them.
Here each such call makes one `Operation`: the function's registered name and its
non-tensor arguments, with the tensors' places marked. The output's shape and dtype
come from `jax.eval_shape`, run twice with different sizes for the unknown
dimensions: a dimension that follows them is unknown (`None`) in the output too.

Functions are found by name in a table (`register_function`): `lamina.ops` registers
all of Keras's ops, and this module the ones Python's operators use, so a saved model
names its operations and loading finds them again without running code from the file.
"""
from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from lamina import registry
from lamina.backend import keras_tensor as keras_tensor_mod
from lamina.backend._graph import Node, describe
from lamina.backend._naming import unique_name
from lamina.backend._tree import symbolic_leaves
from lamina.backend.keras_tensor import KerasTensor
from lamina.backend.variable import Variable

_FUNCTIONS: dict[str, Callable[..., Any]] = {}

# The sizes unknown dimensions take in the two shape-inference passes.
_PROBES = (2, 3)


def register_function(name: str, fn: Callable[..., Any]) -> None:
    """Make `fn` available to operations recorded (and configs saved) under `name`."""
    _FUNCTIONS[name] = fn


def registered_function(name: str) -> Callable[..., Any]:
    """The function registered under `name`; a ValueError lists the known ones."""
    fn = _FUNCTIONS.get(name)
    if fn is None:
        raise ValueError(f"Unknown operation '{name}'. Known operations are keras.ops "
                         f"functions such as {sorted(_FUNCTIONS)[:8]} (and "
                         f"{max(len(_FUNCTIONS) - 8, 0)} more).")
    return fn


class _Slot:
    """The place of the `index`-th tensor argument of an operation."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index


def _split(value: Any, tensors: list) -> Any:
    """`value` with each KerasTensor replaced by a `_Slot` (collected in `tensors`)."""
    if isinstance(value, KerasTensor):
        tensors.append(value)
        return _Slot(len(tensors) - 1)
    if type(value) in (list, tuple):
        return type(value)(_split(v, tensors) for v in value)
    if type(value) is dict:
        return {k: _split(v, tensors) for k, v in value.items()}
    return value


def _fill(value: Any, tensors: list) -> Any:
    if isinstance(value, _Slot):
        return tensors[value.index]
    if type(value) in (list, tuple):
        return type(value)(_fill(v, tensors) for v in value)
    if type(value) is dict:
        return {k: _fill(v, tensors) for k, v in value.items()}
    if isinstance(value, Variable):
        return value.value
    return value


@registry.register_serializable("lamina.ops")
class Operation:
    """One call of a `keras.ops` function (or a Python operator) in a functional graph.

    Args:
        function: the registered name of the function, e.g. `"add"`.
        arguments: `(args, kwargs)` of the call, with `_Slot`s where tensors go.
        name: a unique name; by default the function's name, numbered.

    Example:
        >>> import lamina as keras
        >>> x = keras.Input((3,), name="x")
        >>> y = x * 2.0
        >>> op = y._keras_history[0]
        >>> type(op).__name__, op.function, y.shape
        ('Operation', 'multiply', (None, 3))
    """

    def __init__(self, function: str, arguments: Any = None, name: str | None = None):
        registered_function(function)
        self.function = function
        self.arguments = ((_Slot(0),), {}) if arguments is None else arguments
        self.name = name or unique_name(function)
        self.built = True
        self.trainable = False
        self._inbound_nodes: list[Node] = []

    # -- what the graph and summaries ask of a node's owner ----------------------
    @property
    def class_label(self) -> str:
        """Keras 3's class name for the operation (`Add`, `GetItem`)."""
        return "".join(part.capitalize() for part in self.function.split("_"))

    @property
    def output_shape(self) -> Any:
        """The shape (or shapes) of the outputs of the operation's first call."""
        shapes = [t.shape for t in symbolic_leaves(self._inbound_nodes[0].outputs)]
        return shapes[0] if len(shapes) == 1 else shapes

    weights: list = []
    trainable_weights: list = []
    non_trainable_weights: list = []

    def count_params(self) -> int:
        return 0

    def _call_with_mask(self, inputs: Any, args: tuple, kwargs: dict, training: Any,
                        mask: Any) -> tuple[Any, Any]:
        """Run the function on the arrays `inputs` (in argument order); no mask."""
        fn_args, fn_kwargs = _fill(self.arguments, list(inputs))
        return registered_function(self.function)(*fn_args, **fn_kwargs), None

    def __call__(self, inputs: Any, *args: Any, training: Any = None, **kwargs: Any) -> Any:
        """Record this operation again on the symbolic `inputs` (a list, in order)."""
        return _record(self, list(inputs))

    # -- config ------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """The function's name and its non-tensor arguments, as JSON values."""
        return {"name": self.name, "function": self.function,
                "arguments": encode_argument(self.arguments, self.name)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Operation":
        return cls(config["function"], decode_argument(config["arguments"]),
                   name=config.get("name"))

    def __repr__(self) -> str:
        return f"<Operation name={self.name}, function={self.function}>"


def symbolic_call(function: str, args: tuple, kwargs: dict) -> Any:
    """Record the call `function(*args, **kwargs)` on symbolic arguments.

    Returns:
        `KerasTensor`s in the structure of the function's output.

    Raises:
        ValueError: when the function cannot run on tensors of these shapes; the
            message names the operation and the shapes it received.
    """
    tensors: list[KerasTensor] = []
    arguments = _split((tuple(args), dict(kwargs)), tensors)
    return _record(Operation(function, arguments), tensors)


def _record(op: Operation, tensors: list[KerasTensor]) -> Any:
    def run(values: list) -> Any:
        return op._call_with_mask(values, (), {}, False, None)[0]

    def placeholders(size: int) -> list:
        return [jax.ShapeDtypeStruct(tuple(size if d is None else d for d in t.shape),
                                     jnp.dtype(t.dtype)) for t in tensors]

    try:
        probes = [jax.eval_shape(run, placeholders(size)) for size in _PROBES]
    except (ValueError, TypeError, IndexError) as err:
        received = "; ".join(describe(t) if t._keras_history else f"shape {t.shape}"
                             for t in tensors)
        raise ValueError(f"keras.ops.{op.function} cannot run on {received}: {err}") \
            from err
    flat, treedef = jax.tree.flatten(probes[0])
    other = jax.tree.leaves(probes[1])
    index = len(op._inbound_nodes)
    outputs = []
    for i, (a, b) in enumerate(zip(flat, other)):
        shape = tuple(None if da != db else da for da, db in zip(a.shape, b.shape))
        tensor = KerasTensor(shape, a.dtype, op.name if i == 0 else f"{op.name}_{i}",
                             (op, index, i))
        outputs.append(tensor)
    result = jax.tree.unflatten(treedef, outputs)
    Node(op, tensors, (), {}, None, result)
    return result


def operator(name: str, *args: Any) -> Any:
    """What `KerasTensor`'s Python operators call: record `name` on the arguments."""
    return symbolic_call(name, args, {})


# -- the functions Python's operators record (lamina.ops registers its own too) -----
def _get_item(x: Any, key: Any) -> Any:
    return x[key]


for _name, _fn in {
        "add": jnp.add, "subtract": jnp.subtract, "multiply": jnp.multiply,
        "divide": jnp.true_divide, "floor_divide": jnp.floor_divide, "mod": jnp.mod,
        "power": jnp.power, "matmul": jnp.matmul, "logical_and": jnp.logical_and,
        "logical_or": jnp.logical_or, "logical_xor": jnp.logical_xor,
        "less": jnp.less, "less_equal": jnp.less_equal, "greater": jnp.greater,
        "greater_equal": jnp.greater_equal, "negative": jnp.negative,
        "positive": jnp.positive, "absolute": jnp.abs, "logical_not": jnp.logical_not,
        "get_item": _get_item}.items():
    register_function(_name, _fn)

keras_tensor_mod.operation = operator


# -- arguments as JSON -----------------------------------------------------------------
def encode_argument(value: Any, owner: str = "operation") -> Any:
    """A call argument as JSON: tuples, slices, `...`, arrays and tensor places are
    tagged so that `decode_argument` gives them back exactly.

    Example:
        >>> decode_argument(encode_argument((slice(None, 2), Ellipsis, [1, 2])))
        (slice(None, 2, None), Ellipsis, [1, 2])
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float, np.integer, np.floating)):
        return value.item() if isinstance(value, np.generic) else value
    if isinstance(value, _Slot):
        return {"__tensor__": value.index}
    if isinstance(value, tuple):
        return {"__tuple__": [encode_argument(v, owner) for v in value]}
    if isinstance(value, list):
        return [encode_argument(v, owner) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[encode_argument(k, owner), encode_argument(v, owner)]
                             for k, v in value.items()]}
    if isinstance(value, slice):
        return {"__slice__": [encode_argument(v, owner)
                              for v in (value.start, value.stop, value.step)]}
    if value is Ellipsis:
        return {"__ellipsis__": True}
    if isinstance(value, (np.ndarray, jax.Array)):
        array = np.asarray(value)
        return {"__array__": array.tolist(), "dtype": str(array.dtype)}
    if isinstance(value, np.dtype) or (isinstance(value, type) and
                                        issubclass(value, np.generic)):
        return str(np.dtype(value))
    raise TypeError(f"Operation '{owner}' cannot be written to a model config: one of its "
                    f"arguments is {value!r} ({type(value).__name__}), which is not a "
                    "number, string, tuple, list, dict, slice or array. Operations that "
                    "take Python functions (keras.ops.cond, scan, ...) cannot be saved; "
                    "put them in a layer's call() instead.")


def decode_argument(value: Any) -> Any:
    """The inverse of `encode_argument`."""
    if isinstance(value, list):
        return [decode_argument(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tensor__" in value:
        return _Slot(int(value["__tensor__"]))
    if "__tuple__" in value:
        return tuple(decode_argument(v) for v in value["__tuple__"])
    if "__dict__" in value:
        return {decode_argument(k): decode_argument(v) for k, v in value["__dict__"]}
    if "__slice__" in value:
        return slice(*[decode_argument(v) for v in value["__slice__"]])
    if "__ellipsis__" in value:
        return Ellipsis
    if "__array__" in value:
        return np.asarray(value["__array__"], dtype=value["dtype"])
    return {k: decode_argument(v) for k, v in value.items()}
