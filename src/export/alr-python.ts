/**
 * Adaptive (alr) rule → a Python module: `rule_step(o, grad, state, lr, step)`
 * written once against a small table of element-wise operations `o`, with two
 * tables — NumPy (float32) and PyTorch — a `NumpyOptimizer` for plain arrays,
 * and a `torch.optim.Optimizer` subclass, defined only when torch imports.
 *
 * The operations restate `compile-tensor.ts` (protected division, power, log,
 * sign; NaN-propagating min/max; conditionals as `where`), so both tables take
 * the steps the campaign measured, up to float32 rounding of transcendentals.
 */
import type { AlrRule, BinaryOp, CompareOp, Expr, UnaryOp } from '../grammar/ast.js';
import { pythonFloat } from '../grammar/printer-python.js';
import { liveStates } from '../grammar/simplify.js';
import { formatHeader, type ExportInfo } from './header.js';

const UNARY_PY: Record<UnaryOp, string> = {
  neg: 'o.neg',
  abs: 'o.abs',
  sqrt: 'o.psqrt',
  square: 'o.square',
  exp: 'o.exp',
  log: 'o.plog',
  log10: 'o.plog10',
  floor: 'o.floor',
  sign: 'o.psign',
  sin: 'o.sin',
  cos: 'o.cos',
  tanh: 'o.tanh',
  sigmoid: 'o.sigmoid',
};
const BINARY_PY: Record<BinaryOp, string> = { add: 'o.add', sub: 'o.sub', mul: 'o.mul', div: 'o.pdiv', pow: 'o.ppow', min: 'o.pmin', max: 'o.pmax' };
const COMPARE_PY: Record<CompareOp, string> = { lt: '<', le: '<=', gt: '>', ge: '>=', eq: '==', ne: '!=' };
const TENSOR_INPUTS = new Set(['grad', 'alpha', 'beta', 'sigma']);

/** An adaptive-rule expression as calls on the operation table `o`, over the inputs dict `x`. */
export function printPythonTensorExpr(e: Expr): string {
  const p = printPythonTensorExpr;
  switch (e.kind) {
    case 'const':
      return `o.c(${pythonFloat(e.value)})`;
    case 'signal':
      if (TENSOR_INPUTS.has(e.name)) return `x["${e.name}"]`;
      if (e.name === 'lr' || e.name === 'step') return `o.c(x["${e.name}"])`;
      throw new Error(`signal "${e.name}" is not an input of adaptive rules`);
    case 'unary':
      return `${UNARY_PY[e.op]}(${p(e.arg)})`;
    case 'binary':
      return `${BINARY_PY[e.op]}(${p(e.left)}, ${p(e.right)})`;
    case 'cond':
      return `o.where((${p(e.left)} ${COMPARE_PY[e.op]} ${p(e.right)}), ${p(e.then)}, ${p(e.otherwise)})`;
    case 'rand':
    case 'noise':
    case 'choice':
      throw new Error(`adaptive rules cannot contain random terms (${e.kind})`);
  }
}

const OPS = `

_NAN = float("nan")
_INF = float("inf")
_LN10 = math.log(10.0)


class _Ops:
    """Element-wise operations with the rule language's protections; subclasses bind a library."""

    def pdiv(self, a, b):
        return self.where(b == 0, a, a / self._nonzero(b))

    def ppow(self, a, b):
        is_integer = self.floor(b) == b
        base = self.where((a < 0) & ~is_integer, -a, a)
        return self.where((a == 0) & (b < 0), self.c(1.0), self._pow(base, b))

    def psqrt(self, x):
        return self._sqrt(self.abs(x))

    def plog(self, x):
        return self.where(x == 0, self.c(0.0), self._log(self.abs(self.where(x == 0, self.c(1.0), x))))

    def plog10(self, x):
        return self.plog(x) / self.c(_LN10)

    def psign(self, x):
        s = self._sign(x)
        return self.where(s == 0, x, s)

    def pmin(self, a, b):
        return self.where(a == a, self.where(b == b, self._minimum(a, b), b), a)

    def pmax(self, a, b):
        return self.where(a == a, self.where(b == b, self._maximum(a, b), b), a)

    def add(self, a, b):
        return a + b

    def sub(self, a, b):
        return a - b

    def mul(self, a, b):
        return a * b

    def neg(self, x):
        return -x

    def square(self, x):
        return x * x

    def sigmoid(self, x):
        return self.c(1.0) / (self.c(1.0) + self.exp(-x))


class NumpyOps(_Ops):
    """The operations on NumPy arrays, in float32 like the TensorFlow.js optimizer autolr trained with."""

    def __init__(self, np, dtype=None):
        self.np = np
        self.dtype = dtype or np.float32
        for name in ("abs", "exp", "floor", "sin", "cos", "tanh", "where"):
            setattr(self, name, getattr(np, name))
        self._pow, self._sqrt, self._log, self._sign = np.power, np.sqrt, np.log, np.sign
        self._minimum, self._maximum = np.minimum, np.maximum

    def c(self, v):
        return self.np.asarray(v, dtype=self.dtype)

    def _nonzero(self, b):
        return self.np.where(b == 0, self.c(1.0), b)

    def like(self, t, grad):
        return self.np.broadcast_to(self.np.asarray(t, dtype=self.dtype), grad.shape).copy()


class TorchOps(_Ops):
    """The operations on torch tensors of one dtype and device."""

    def __init__(self, torch, dtype, device):
        self.torch, self.dtype, self.device = torch, dtype, device
        for name in ("abs", "exp", "floor", "sin", "cos", "tanh", "where"):
            setattr(self, name, getattr(torch, name))
        self._pow, self._sqrt, self._log, self._sign = torch.pow, torch.sqrt, torch.log, torch.sign
        self._minimum, self._maximum = torch.minimum, torch.maximum

    def c(self, v):
        return self.torch.tensor(float(v), dtype=self.dtype, device=self.device)

    def _nonzero(self, b):
        return self.torch.where(b == 0, self.c(1.0), b)

    def like(self, t, grad):
        return self.torch.broadcast_to(t, grad.shape).clone()
`;

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
    'import math',
    OPS.trimEnd(),
    body.trimEnd(),
    '',
  ].join('\n');
}
