"""`model(x)` on NumPy rows as one compiled call, for models made of layers.

An agent acting (`q = model(state)`) calls a model eagerly once per step. Run op by
op, each call costs a dispatch per layer operation; a `Sequential` or functional
model is a fixed graph of layers, so its inference call is the compiled prediction
program instead, once the first eager call with the same input signature has shown
that the call is plain: float32 rows in, no mask on the outputs, no loss added
(activity regularization), inference mode. Anything else runs eagerly, as before.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from lamina.backend import _masking
from lamina.backend._scope import current_scope
from lamina.models._fast_inputs import fast_inputs, learn_for
from lamina.models._host_inputs import encode_inputs


class FastCall:
    """The `__call__` of `Model` (a mixin placed before `Layer`; see `Model`)."""

    def __call__(self, inputs: Any, *args: Any, training: Any = None, **kwargs: Any) -> Any:
        plain = not args and not kwargs and not training and current_scope() is None \
            and type(inputs) is np.ndarray and self._graph_call()
        if plain:
            fast = fast_inputs(self).lookup("call", (inputs,))
            if fast is not None:
                return self._inference_programs().predict_step(self._params(), fast[0])
        outputs = super().__call__(inputs, *args, training=training, **kwargs)
        if plain and inputs.dtype == np.float32 and self._plain_outputs(outputs) \
                and encode_inputs(self, inputs) is inputs:  # no host layer encodes it
            learn_for(self, "call", (inputs,), (inputs,))
        return outputs

    def _graph_call(self) -> bool:
        """Whether `call` is the library's own graph of layers (not a user's code)."""
        if not self.built:
            return False
        from_library = self.__dict__.get("_library_call")
        if from_library is None:
            module = getattr(type(self).call, "__module__", "") or ""
            from_library = self.__dict__["_library_call"] = module.startswith("lamina.models.")
        return from_library

    def _plain_outputs(self, outputs: Any) -> bool:
        """No mask on the outputs and no loss added by the call."""
        if _masking.get_masks(outputs) is not None:
            return False
        return not any(layer.__dict__.get("_activity_losses")
                       for layer in (self, *self._flat_layers()))
