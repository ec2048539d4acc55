# ---- the optimizers: rule_step runs STATE_RULES and update_rule (above) ----
import inspect
import numbers
import warnings


def _warn_if_lr_ignored():
    """Called by every optimizer's constructor: lr=, --lr0 and schedulers do nothing to this rule."""
    if LR_IGNORED:
        # stacklevel 3: the user's line that built the optimizer, not its __init__.
        warnings.warn(LR_IGNORED, UserWarning, stacklevel=3)


def _bound_text(low, high):
    parts = []
    if low is not None:
        parts.append("%s %r" % (">=" if low[1] else ">", low[0]))
    if high is not None:
        parts.append("%s %r" % ("<=" if high[1] else "<", high[0]))
    return " and ".join(parts)


def resolve_hyperparameters(owner, given):
    """The hyperparameters h the rule reads, by name, from a constructor's keyword
    arguments (HYPERPARAMETERS: keyword -> its values; several make a tuple, as torch's
    betas), defaults for those not given. Each value is checked against its range with
    torch's wording ("Invalid beta parameter at index 0: ..."); an unknown keyword is a TypeError."""
    unknown = sorted(k for k in given if k not in HYPERPARAMETERS)
    if unknown:
        takes = ", ".join(HYPERPARAMETERS) or "none: its constants are fixed"
        raise TypeError("%s got an unexpected keyword argument %r (this rule's hyperparameters: %s)" % (owner, unknown[0], takes))
    h = {}
    for keyword, members in HYPERPARAMETERS.items():
        if keyword not in given:
            values = [m[1] for m in members]
        elif len(members) == 1:
            values = [given[keyword]]
        else:
            values = given[keyword]
            if not isinstance(values, (tuple, list)) or len(values) != len(members):
                raise ValueError("Invalid %s: expected %d numbers, not %r" % (keyword, len(members), values))
        for (name, _default, low, high, what), value in zip(members, values):
            ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
            if ok and low is not None:
                ok = value >= low[0] if low[1] else value > low[0]
            if ok and high is not None:
                ok = value <= high[0] if high[1] else value < high[0]
            if not ok:
                rule = _bound_text(low, high)
                raise ValueError("Invalid %s: %r (%s)" % (what, value, "a finite number " + rule if rule else "a finite number"))
            h[name] = float(value)
    return h


def _hyperparameter_keywords(h):
    """h as the constructors' keyword arguments (inverse of resolve_hyperparameters)."""
    out = {}
    for keyword, members in HYPERPARAMETERS.items():
        values = tuple(h[m[0]] for m in members)
        out[keyword] = values if len(members) > 1 else values[0]
    return out


def _noted(cls):
    """Appends HYPERPARAMETERS_NOTE (the keywords this rule takes, or why it takes none) to a class's
    docstring, and gives its constructor the signature those keywords make, so that help() and
    inspect show `betas=(0.9, 0.999), eps=1e-08` where the code takes **hyperparameters."""
    if cls.__doc__:
        cls.__doc__ += "\n\n" + HYPERPARAMETERS_NOTE
    init = cls.__init__
    signature = inspect.signature(init)
    defaults = _hyperparameter_keywords({m[0]: m[1] for members in HYPERPARAMETERS.values() for m in members})
    kept = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    named = [inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, default=v) for k, v in defaults.items()]
    # Keras' optimizer passes its own keywords (clipnorm, ...) on: its **kwargs stays, after ours.
    passed_on = [p for p in signature.parameters.values() if p.kind is inspect.Parameter.VAR_KEYWORD and p.name != "hyperparameters"]
    init.__signature__ = signature.replace(parameters=kept + named + passed_on)
    return cls


def rule_step(o, grad, state, lr, step, h=None):
    """One step for one weight: each state in order alpha, beta, sigma (each seeing
    the states already updated), then the update; the caller does w <- w - update.
    state maps STATE_NAMES to arrays shaped like grad (zeros before the first step);
    step counts the steps taken before this one; lr and step may be numbers or scalar
    tensors (Keras passes variables), the table's c() converts them; h holds the
    hyperparameters (resolve_hyperparameters; the defaults when None). Returns (new_state, update)."""
    if h is None:
        h = resolve_hyperparameters("rule_step()", {})
    x = dict(state)
    x["grad"] = grad
    x["lr"] = lr
    x["step"] = step
    for n in STATE_NAMES:
        x[n] = STATE_RULES[n](o, x, h)
    update = update_rule(o, x, h)
    return {n: o.like(x[n], grad) for n in STATE_NAMES}, o.like(update, grad)


@_noted
class NumpyOptimizer:
    """The rule on plain NumPy arrays: opt.step(weights, grads) updates each weight in place.
    NumpyOptimizer(lr=DEFAULT_LR, **hyperparameters): the keywords of HYPERPARAMETERS."""

    def __init__(self, lr=DEFAULT_LR, **hyperparameters):
        self.h = resolve_hyperparameters("NumpyOptimizer()", hyperparameters)
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
                new, update = rule_step(self.ops, g, state, self.lr, self.iterations, self.h)
                self.states[i] = new
                w -= update.astype(w.dtype)
        self.iterations += 1


try:
    import torch

    @_noted
    class EvolvedOptimizer(torch.optim.Optimizer):
        """The evolved rule as a PyTorch optimizer: EvolvedOptimizer(model.parameters(), lr=...,
        **hyperparameters), the keywords of HYPERPARAMETERS, kept in each param group as
        torch.optim keeps betas or momentum (so a group may set its own).
        Its state (STATE_NAMES and the step count) is saved by state_dict()."""

        def __init__(self, params, lr=DEFAULT_LR, **hyperparameters):
            if not (isinstance(lr, (int, float)) and math.isfinite(lr)):
                raise ValueError("EvolvedOptimizer: lr must be a finite number, not %r" % (lr,))
            h = resolve_hyperparameters("EvolvedOptimizer()", hyperparameters)
            _warn_if_lr_ignored()
            super().__init__(params, dict(lr=float(lr), **_hyperparameter_keywords(h)))

        @torch.no_grad()
        def step(self, closure=None):
            loss = None
            if closure is not None:
                with torch.enable_grad():
                    loss = closure()
            for group in self.param_groups:
                h = resolve_hyperparameters("EvolvedOptimizer param group", {k: group[k] for k in HYPERPARAMETERS})
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = 0
                        for n in STATE_NAMES:
                            state[n] = torch.zeros_like(p)
                    ops = TorchOps(torch, p.dtype, p.device)
                    new, update = rule_step(ops, p.grad, {n: state[n] for n in STATE_NAMES}, float(group["lr"]), state["step"], h)
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
    @_noted
    class EvolvedKerasOptimizer(keras.optimizers.Optimizer):
        """The evolved rule as a Keras 3 optimizer, on any backend:
        model.compile(optimizer=EvolvedKerasOptimizer(learning_rate=..., **hyperparameters), ...),
        the keywords of HYPERPARAMETERS (the other keywords go to keras.optimizers.Optimizer).
        Its states are optimizer variables (one per STATE_NAMES and weight), saved with the model;
        its hyperparameters are in get_config()."""

        def __init__(self, learning_rate=DEFAULT_LR, name="evolved", **kwargs):
            given = {k: kwargs.pop(k) for k in list(kwargs) if k in HYPERPARAMETERS}
            self._hyperparameters = resolve_hyperparameters("EvolvedKerasOptimizer()", given)
            _warn_if_lr_ignored()
            super().__init__(learning_rate=learning_rate, name=name, **kwargs)

        def get_config(self):
            config = super().get_config()
            config.update(_hyperparameter_keywords(self._hyperparameters))
            return config

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
            new, update = rule_step(ops, ops.c(gradient), state, ops.c(learning_rate), ops.c(self.iterations), self._hyperparameters)
            for n in STATE_NAMES:
                self.assign(state[n], new[n])
            self.assign_sub(variable, update)
