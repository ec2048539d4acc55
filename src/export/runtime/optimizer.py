# ---- the optimizers: rule_step runs STATE_RULES and update_rule (above) ----
import warnings


def _warn_if_lr_ignored():
    """Called by every optimizer's constructor: lr=, --lr0 and schedulers do nothing to this rule."""
    if LR_IGNORED:
        # stacklevel 3: the user's line that built the optimizer, not its __init__.
        warnings.warn(LR_IGNORED, UserWarning, stacklevel=3)


def rule_step(o, grad, state, lr, step):
    """One step for one weight: each state in order alpha, beta, sigma (each seeing
    the states already updated), then the update; the caller does w <- w - update.
    state maps STATE_NAMES to arrays shaped like grad (zeros before the first step);
    step counts the steps taken before this one; lr and step may be numbers or scalar
    tensors (Keras passes variables), the table's c() converts them. Returns (new_state, update)."""
    x = dict(state)
    x["grad"] = grad
    x["lr"] = lr
    x["step"] = step
    for n in STATE_NAMES:
        x[n] = STATE_RULES[n](o, x)
    update = update_rule(o, x)
    return {n: o.like(x[n], grad) for n in STATE_NAMES}, o.like(update, grad)


class NumpyOptimizer:
    """The rule on plain NumPy arrays: opt.step(weights, grads) updates each weight in place."""

    def __init__(self, lr=DEFAULT_LR):
        _warn_if_lr_ignored()
        import numpy

        self.np = numpy
        self.ops = NumpyOps(numpy)
        self.lr = float(lr)
        self.iterations = 0
        self.states = {}

    def step(self, weights, grads):
        with self.np.errstate(all="ignore"):
            for i, (w, g) in enumerate(zip(weights, grads)):
                g = self.np.asarray(g, dtype=self.ops.dtype)
                state = self.states.setdefault(i, {n: self.np.zeros_like(g) for n in STATE_NAMES})
                new, update = rule_step(self.ops, g, state, self.lr, self.iterations)
                self.states[i] = new
                w -= update.astype(w.dtype)
        self.iterations += 1


try:
    import torch

    class EvolvedOptimizer(torch.optim.Optimizer):
        """The evolved rule as a PyTorch optimizer: EvolvedOptimizer(model.parameters(), lr=...).
        Its state (STATE_NAMES and the step count) is saved by state_dict()."""

        def __init__(self, params, lr=DEFAULT_LR):
            if not (isinstance(lr, (int, float)) and math.isfinite(lr)):
                raise ValueError("EvolvedOptimizer: lr must be a finite number, not %r" % (lr,))
            _warn_if_lr_ignored()
            super().__init__(params, dict(lr=float(lr)))

        @torch.no_grad()
        def step(self, closure=None):
            loss = None
            if closure is not None:
                with torch.enable_grad():
                    loss = closure()
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = 0
                        for n in STATE_NAMES:
                            state[n] = torch.zeros_like(p)
                    ops = TorchOps(torch, p.dtype, p.device)
                    new, update = rule_step(ops, p.grad, {n: state[n] for n in STATE_NAMES}, float(group["lr"]), state["step"])
                    for n in STATE_NAMES:
                        state[n].copy_(new[n])
                    p.sub_(update)
                    state["step"] += 1
            return loss

except ImportError:
    pass


try:
    import keras

    _KERAS_3 = int(keras.__version__.split(".")[0]) >= 3
except ImportError:
    _KERAS_3 = False

if _KERAS_3:

    @keras.saving.register_keras_serializable(package="autolr")
    class EvolvedKerasOptimizer(keras.optimizers.Optimizer):
        """The evolved rule as a Keras 3 optimizer, on any backend:
        model.compile(optimizer=EvolvedKerasOptimizer(learning_rate=...), ...).
        Its states are optimizer variables (one per STATE_NAMES and weight), saved with the model."""

        def __init__(self, learning_rate=DEFAULT_LR, name="evolved", **kwargs):
            _warn_if_lr_ignored()
            super().__init__(learning_rate=learning_rate, name=name, **kwargs)

        def build(self, variables):
            if self.built:
                return
            super().build(variables)
            self._rule_states = {
                n: [self.add_variable_from_reference(reference_variable=v, name=n) for v in variables] for n in STATE_NAMES
            }

        def update_step(self, gradient, variable, learning_rate):
            ops = KerasOps(keras.ops, variable.dtype)
            i = self._get_variable_index(variable)
            state = {n: self._rule_states[n][i] for n in STATE_NAMES}
            # iterations counts the steps applied before this one, as the rule's step does.
            new, update = rule_step(ops, ops.c(gradient), state, ops.c(learning_rate), ops.c(self.iterations))
            for n in STATE_NAMES:
                self.assign(state[n], new[n])
            self.assign_sub(variable, update)
