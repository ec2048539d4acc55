/**
 * Adaptive (alr) rule → a Python module: `rule_step(o, grad, state, lr, step)`
 * written once against a small table of element-wise operations `o`, with two
 * tables — NumPy (float32) and PyTorch — a `NumpyOptimizer` for plain arrays,
 * and a `torch.optim.Optimizer` subclass, defined only when torch imports.
 *
 * The operations (`runtime/tensor.py`) restate `compile-tensor.ts` (protected division, power, log,
 * sign; NaN-propagating min/max; conditionals as `where`), so both tables take
 * the steps the campaign measured, up to float32 rounding of transcendentals.
 */
import type { AlrRule, Expr } from '../grammar/ast.js';
import { callText as call, emitExpr, infixText as infix, type OperatorTable } from '../grammar/emit.js';
import { pythonFloat } from '../grammar/printer-python.js';
import { liveStates } from '../grammar/simplify.js';
import { formatHeader, type ExportInfo } from './header.js';
import { requireAlr, type ExportTarget } from './target.js';
import { runtimeText } from './template.js';

const TENSOR_INPUTS = new Set(['grad', 'alpha', 'beta', 'sigma']);

const noRandom = (kind: string) => (): never => {
  throw new Error(`adaptive rules cannot contain random terms (${kind})`);
};

/** Calls on the operation table `o` (`runtime/tensor.py`), over the inputs dict `x`. */
const OPS_TABLE: OperatorTable<string> = {
  constant: (v) => `o.c(${pythonFloat(v)})`,
  signal: (name) => {
    if (TENSOR_INPUTS.has(name)) return `x["${name}"]`;
    if (name === 'lr' || name === 'step') return `o.c(x["${name}"])`;
    throw new Error(`signal "${name}" is not an input of adaptive rules`);
  },
  unary: {
    neg: call('o.neg'),
    abs: call('o.abs'),
    sqrt: call('o.psqrt'),
    square: call('o.square'),
    exp: call('o.exp'),
    log: call('o.plog'),
    log10: call('o.plog10'),
    floor: call('o.floor'),
    sign: call('o.psign'),
    sin: call('o.sin'),
    cos: call('o.cos'),
    tanh: call('o.tanh'),
    sigmoid: call('o.sigmoid'),
  },
  binary: { add: call('o.add'), sub: call('o.sub'), mul: call('o.mul'), div: call('o.pdiv'), pow: call('o.ppow'), min: call('o.pmin'), max: call('o.pmax') },
  // Comparisons are the array libraries' own element-wise operators.
  compare: { lt: infix('<'), le: infix('<='), gt: infix('>'), ge: infix('>='), eq: infix('=='), ne: infix('!=') },
  cond: call('o.where'),
  choice: noRandom('choice'),
  noise: noRandom('noise'),
  rand: noRandom('rand'),
};

/** An adaptive-rule expression as calls on the operation table `o`, over the inputs dict `x`. */
export function printPythonTensorExpr(e: Expr): string {
  return emitExpr(e, OPS_TABLE);
}

export function generateAlrPython(rule: AlrRule, info: ExportInfo, lr0: number): string {
  const states = liveStates(rule);
  const stateTuple = `(${states.map((s) => `"${s}"`).join(', ')}${states.length === 1 ? ',' : ''})`;
  const stepLines = [
    ...states.map((s) => `    ${s} = ${printPythonTensorExpr(rule[s])}\n    x["${s}"] = ${s}`),
    `    update = ${printPythonTensorExpr(rule.update)}`,
    `    return {${states.map((s) => `"${s}": o.like(${s}, grad)`).join(', ')}}, o.like(update, grad)`,
  ].join('\n');
  const body = `

RULE_TEXT = ${JSON.stringify(info.text)}
STATE_NAMES = ${stateTuple}
DEFAULT_LR = ${pythonFloat(lr0)}


def rule_step(o, grad, state, lr, step):
    """One step for one weight: each state in order alpha, beta, sigma (each seeing
    the states already updated), then the update; the caller does w <- w - update.
    state maps STATE_NAMES to arrays shaped like grad (zeros before the first step);
    step counts the steps taken before this one. Returns (new_state, update)."""
    x = dict(state)
    x["grad"] = grad
    x["lr"] = float(lr)
    x["step"] = float(step)
${stepLines}


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
`;
  return [
    formatHeader(rule, info, 'Python: PyTorch optimizer and NumPy', 'py'),
    `#\n# Default learning rate ${lr0} (the rate autolr trained with).`,
    '',
    runtimeText('tensor.py').trimEnd(),
    body.trimEnd(),
    '',
  ].join('\n');
}

export const ALR_PY: ExportTarget = { format: 'py', variant: 'alr', generate: (rule, info, { lr0 }) => generateAlrPython(requireAlr(rule), info, lr0) };
