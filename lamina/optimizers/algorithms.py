"""The Keras optimizers: SGD, RMSprop, Adam, AdamW, Adagrad, Adadelta, Adamax, Nadam, Lion.

Each class only stores its hyperparameters (Keras 3 names and defaults); the
update formulas live in `lamina.core.optim_rules`. Every constructor also takes
the base arguments `weight_decay`, `clipnorm`, `clipvalue`, `global_clipnorm`
and `name` (see `Optimizer`).
"""
from __future__ import annotations

from typing import Any, Optional

from lamina.optimizers.base import Optimizer


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum.

    `velocity = momentum*velocity - lr*g`; `w += velocity`, or with
    `nesterov=True`, `w += momentum*velocity - lr*g`.

    Args:
        learning_rate: float or schedule. Defaults to 0.01.
        momentum: float in [0, 1]. Defaults to 0.0.
        nesterov: whether to use Nesterov momentum. Defaults to False.
        **kwargs: base optimizer arguments (see `Optimizer`).

    Example:
        >>> import jax.numpy as jnp
        >>> opt = SGD(learning_rate=0.1, momentum=0.9)
        >>> w = jnp.array([1.0])
        >>> state = opt.init(w)
        >>> for _ in range(2):
        ...     w, state = opt.stateless_apply(state, jnp.array([1.0]), w)
        >>> w  # 1 - 0.1 - (0.9*0.1 + 0.1)
        Array([0.71], dtype=float32)
    """

    _core_name = "sgd"

    def __init__(self, learning_rate: Any = 0.01, momentum: float = 0.0,
                 nesterov: bool = False, name: Optional[str] = "SGD", **kwargs: Any) -> None:
        super().__init__(learning_rate, name=name, **kwargs,
                         _hyperparams={"momentum": momentum, "nesterov": nesterov})


class RMSprop(Optimizer):
    """RMSprop: divides the gradient by a running root mean square.

    `v = rho*v + (1-rho)*g^2`; `inc = lr*g/sqrt(v + epsilon)` (centered:
    `a = rho*a + (1-rho)*g`, `inc = lr*g/sqrt(v - a^2 + epsilon)`);
    `mom = momentum*mom + inc`; `w -= mom`.

    Args:
        learning_rate: float or schedule. Defaults to 0.001.
        rho: discounting factor of the squared-gradient average. Defaults to 0.9.
        momentum: plain momentum. Defaults to 0.0.
        epsilon: numerical stability constant. Defaults to 1e-7.
        centered: normalize by the estimated variance. Defaults to False.
        **kwargs: base optimizer arguments (see `Optimizer`).

    Example:
        >>> import jax.numpy as jnp
        >>> opt = RMSprop(learning_rate=0.1)
        >>> w = jnp.array(10.0)
        >>> w, _ = opt.stateless_apply(opt.init(w), w, w)  # gradient of w**2/2
        >>> w
        Array(9.683772, dtype=float32)
    """

    _core_name = "rmsprop"

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.9,
                 momentum: float = 0.0, epsilon: float = 1e-7, centered: bool = False,
                 name: Optional[str] = "rmsprop", **kwargs: Any) -> None:
        super().__init__(learning_rate, name=name, **kwargs, _hyperparams={
            "rho": rho, "momentum": momentum, "epsilon": epsilon, "centered": centered})


class Adam(Optimizer):
    """Adam: adaptive first and second moment estimates.

    `m += (g-m)*(1-beta_1)`; `v += (g^2-v)*(1-beta_2)`;
    `lr_t = lr*sqrt(1-beta_2^t)/(1-beta_1^t)`; `w -= lr_t*m/(sqrt(v) + epsilon)`
    (AMSGrad divides by the running maximum of `v`).

    Args:
        learning_rate: float or schedule. Defaults to 0.001.
        beta_1: decay of the first moment. Defaults to 0.9.
        beta_2: decay of the second moment. Defaults to 0.999.
        epsilon: numerical stability constant. Defaults to 1e-7.
        amsgrad: use the AMSGrad variant. Defaults to False.
        **kwargs: base optimizer arguments (see `Optimizer`).

    Example:
        >>> import jax.numpy as jnp
        >>> opt = Adam(learning_rate=0.1)
        >>> w = jnp.array([1.0, -1.0])
        >>> w, _ = opt.stateless_apply(opt.init(w), jnp.array([3.0, -0.5]), w)
        >>> w.round(4)  # the first step moves each weight by about lr
        Array([ 0.9, -0.9], dtype=float32)
    """

    _core_name = "adam"

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False,
                 name: Optional[str] = "adam", **kwargs: Any) -> None:
        super().__init__(learning_rate, name=name, **kwargs, _hyperparams={
            "beta_1": beta_1, "beta_2": beta_2, "epsilon": epsilon, "amsgrad": amsgrad})


class AdamW(Adam):
    """Adam with decoupled weight decay: Adam's step plus `w -= w*weight_decay*lr`.

    Args:
        learning_rate: float or schedule. Defaults to 0.001.
        weight_decay: decay coefficient. Defaults to 0.004.
        beta_1: decay of the first moment. Defaults to 0.9.
        beta_2: decay of the second moment. Defaults to 0.999.
        epsilon: numerical stability constant. Defaults to 1e-7.
        amsgrad: use the AMSGrad variant. Defaults to False.
        **kwargs: base optimizer arguments (see `Optimizer`).

    Raises:
        ValueError: if `weight_decay` is None.

    Example:
        >>> AdamW().get_config()["weight_decay"]
        0.004
    """

    _core_name = "adamw"

    def __init__(self, learning_rate: Any = 0.001, weight_decay: Optional[float] = 0.004,
                 beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 amsgrad: bool = False, name: Optional[str] = "adamw",
                 **kwargs: Any) -> None:
        if weight_decay is None:
            raise ValueError("AdamW needs a float `weight_decay`, but received "
                             "weight_decay=None. Pass e.g. weight_decay=0.004, or use "
                             "Adam for no decay.")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, name=name,
                         weight_decay=weight_decay, **kwargs)


class Adagrad(Optimizer):
    """Adagrad: per-parameter rates from the sum of squared gradients.

    `acc += g^2` (starting at `initial_accumulator_value`);
    `w -= lr*g/sqrt(acc + epsilon)`.

    Args:
        learning_rate: float or schedule. Defaults to 0.001.
        initial_accumulator_value: starting accumulator value. Defaults to 0.1.
        epsilon: numerical stability constant. Defaults to 1e-7.
        **kwargs: base optimizer arguments (see `Optimizer`).

    Example:
        >>> import jax.numpy as jnp
        >>> opt = Adagrad(learning_rate=0.1, initial_accumulator_value=0.0, epsilon=0.0)
        >>> w = jnp.array([0.0])
        >>> w, _ = opt.stateless_apply(opt.init(w), jnp.array([2.0]), w)
        >>> w
        Array([-0.1], dtype=float32)
    """

    _core_name = "adagrad"

    def __init__(self, learning_rate: Any = 0.001, initial_accumulator_value: float = 0.1,
                 epsilon: float = 1e-7, name: Optional[str] = "adagrad",
                 **kwargs: Any) -> None:
        super().__init__(learning_rate, name=name, **kwargs, _hyperparams={
            "initial_accumulator_value": initial_accumulator_value, "epsilon": epsilon})


class Adadelta(Optimizer):
    """Adadelta: steps scaled by running averages of squared gradients and steps.

    `Eg = rho*Eg + (1-rho)*g^2`; `d = -sqrt(Ex + epsilon)*g/sqrt(Eg + epsilon)`;
    `Ex = rho*Ex + (1-rho)*d^2`; `w += lr*d`.

    Args:
        learning_rate: float or schedule. Defaults to 0.001 (1.0 is the
            original paper's form).
        rho: decay rate. Defaults to 0.95.
        epsilon: numerical stability constant. Defaults to 1e-7.
        **kwargs: base optimizer arguments (see `Optimizer`).

    Example:
        >>> Adadelta().get_config()["rho"]
        0.95
    """

    _core_name = "adadelta"

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.95,
                 epsilon: float = 1e-7, name: Optional[str] = "adadelta",
                 **kwargs: Any) -> None:
        super().__init__(learning_rate, name=name, **kwargs,
                         _hyperparams={"rho": rho, "epsilon": epsilon})


class Adamax(Optimizer):
    """Adamax: Adam with the infinity norm.

    `m += (g-m)*(1-beta_1)`; `u = max(beta_2*u, |g|)`;
    `w -= lr*m/((1-beta_1^t)*(u + epsilon))`.

    Args:
        learning_rate: float or schedule. Defaults to 0.001.
        beta_1: decay of the first moment. Defaults to 0.9.
        beta_2: decay of the infinity norm. Defaults to 0.999.
        epsilon: numerical stability constant. Defaults to 1e-7.
        **kwargs: base optimizer arguments (see `Optimizer`).

    Example:
        >>> Adamax().get_config()["beta_2"]
        0.999
    """

    _core_name = "adamax"

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7,
                 name: Optional[str] = "adamax", **kwargs: Any) -> None:
        super().__init__(learning_rate, name=name, **kwargs, _hyperparams={
            "beta_1": beta_1, "beta_2": beta_2, "epsilon": epsilon})


class Nadam(Optimizer):
    """Nadam: Adam with Nesterov momentum (Dozat's momentum schedule).

    With `u_t = beta_1*(1 - 0.5*0.96^t)` and `P_t = u_1*...*u_t`:
    `m_hat = u_{t+1}*m/(1 - P_t*u_{t+1}) + (1-u_t)*g/(1-P_t)`,
    `v_hat = v/(1-beta_2^t)`, `w -= lr*m_hat/(sqrt(v_hat) + epsilon)`.

    Args:
        learning_rate: float or schedule. Defaults to 0.001.
        beta_1: decay of the first moment. Defaults to 0.9.
        beta_2: decay of the second moment. Defaults to 0.999.
        epsilon: numerical stability constant. Defaults to 1e-7.
        **kwargs: base optimizer arguments (see `Optimizer`).

    Example:
        >>> Nadam(learning_rate=0.002).learning_rate
        0.002
    """

    _core_name = "nadam"

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7,
                 name: Optional[str] = "nadam", **kwargs: Any) -> None:
        super().__init__(learning_rate, name=name, **kwargs, _hyperparams={
            "beta_1": beta_1, "beta_2": beta_2, "epsilon": epsilon})


class Lion(Optimizer):
    """Lion: the sign of an interpolated momentum.

    `w -= lr*sign(beta_1*m + (1-beta_1)*g)`; then `m = beta_2*m + (1-beta_2)*g`.

    Args:
        learning_rate: float or schedule. Defaults to 0.001.
        beta_1: interpolation between momentum and gradient, in (0, 1].
            Defaults to 0.9.
        beta_2: decay of the momentum. Defaults to 0.99.
        **kwargs: base optimizer arguments (see `Optimizer`).

    Raises:
        ValueError: if `beta_1` is outside (0, 1].

    Example:
        >>> import jax.numpy as jnp
        >>> opt = Lion(learning_rate=0.1)
        >>> w = jnp.array([0.0, 0.0])
        >>> w, _ = opt.stateless_apply(opt.init(w), jnp.array([3.0, -0.01]), w)
        >>> w
        Array([-0.1,  0.1], dtype=float32)
    """

    _core_name = "lion"

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.99, name: Optional[str] = "lion",
                 **kwargs: Any) -> None:
        super().__init__(learning_rate, name=name, **kwargs,
                         _hyperparams={"beta_1": beta_1, "beta_2": beta_2})
