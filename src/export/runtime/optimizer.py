# ---- the optimizers: rule_step runs STATE_RULES and update_rule (above) ----


def rule_step(o, grad, state, lr, step):
    """One step for one weight: each state in order alpha, beta, sigma (each seeing
    the states already updated), then the update; the caller does w <- w - update.
    state maps STATE_NAMES to arrays shaped like grad (zeros before the first step);
    step counts the steps taken before this one. Returns (new_state, update)."""
    x = dict(state)
    x["grad"] = grad
    x["lr"] = float(lr)
    x["step"] = float(step)
    for n in STATE_NAMES:
        x[n] = STATE_RULES[n](o, x)
    update = update_rule(o, x)
    return {n: o.like(x[n], grad) for n in STATE_NAMES}, o.like(update, grad)


class NumpyOptimizer:
    """The rule on plain NumPy arrays: opt.step(weights, grads) updates each weight in place."""

    def __init__(self, lr=DEFAULT_LR):
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
                    new, update = rule_step(ops, p.grad, {n: state[n] for n in STATE_NAMES}, group["lr"], state["step"])
                    for n in STATE_NAMES:
                        state[n].copy_(new[n])
                    p.sub_(update)
                    state["step"] += 1
            return loss

except ImportError:
    pass
