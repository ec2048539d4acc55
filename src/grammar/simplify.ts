/**
 * Exact algebraic simplification of rule expressions.
 *
 * The contract is stronger than "mathematically equal": for every finite
 * signal assignment the simplified tree must give the same double as the
 * original under the interpreter (NaN counts as equal to NaN, and 0 as equal
 * to -0), and must draw from the random stream in the same order and the same
 * number of times. Values can be ±Infinity or NaN mid-expression (exp
 * overflow, Inf - Inf), so only rewrites that are exact under IEEE-754 with
 * those values are allowed; the familiar x*0 → 0 and x-x → 0 are not.
 *
 * Why the sign of zero may be ignored: no operator of the language can turn
 * +0 and -0 into values that are not equal. Protected division and power
 * never divide by a zero (pdiv returns the numerator, ppow maps 0^negative to
 * 1), plog maps both zeros to 0, comparisons treat them as equal, and the
 * remaining operators give ±0, 1 or NaN alike for either zero. So a rewrite
 * that only flips the sign of a zero result (0 - x → -x at x = 0) stays
 * value-exact all the way up the tree.
 *
 * Why random subtrees need care: a rewrite that drops a subtree is only exact
 * when that subtree draws nothing, and one that swaps the evaluation order of
 * two operands is only exact when at most one of them draws.
 */
import { ALR_STATES, bin, children, exprEquals, mapChildren, mapRule, num, sig, signalsOf, un, type AlrRule, type AlrState, type BinaryOp, type Expr, type Rule, type UnaryOp } from './ast.js';
import { interpret } from './interpreter.js';
import { COMPARE_FNS } from './semantics.js';

/** Simplifies an expression to a fixed point of the rewrites below. */
export function simplifyExpr(e: Expr): Expr {
  let current = e;
  // One bottom-up pass already reaches the fixed point (a subtree's
  // simplification does not depend on its context), but re-running until
  // nothing changes makes idempotence hold even if a future rule breaks that.
  // Every rewrite shrinks the tree or removes a negative add/sub constant, so
  // the loop terminates.
  for (;;) {
    const next = pass(current);
    if (exprEquals(next, current)) return next;
    current = next;
  }
}

/**
 * Simplifies every part of a rule. For adaptive rules it also drops dead
 * states: a state the update does not depend on (directly, or through the
 * states it reads) cannot change the weights, so its part becomes the
 * identity (`alpha: alpha`, which printing leaves out), after states that
 * merely copy a signal or a constant are read through (`propagateCopies`).
 * Rules that differ only in such bookkeeping then print, hash and cache as one.
 */
export function simplifyRule(rule: Rule): Rule {
  const simplified = mapRule(rule, (e) => simplifyExpr(e));
  return simplified.variant === 'alr' ? dropDeadStates(propagateCopies(simplified)) : simplified;
}

/**
 * A state whose part is a single signal other than itself, or a constant
 * (`alpha: grad`), holds exactly that value after its update: later parts
 * may read the value directly, and the state then falls dead. Only leaves
 * are propagated, so nothing grows; adaptive rules draw no random numbers,
 * so nothing is reordered.
 */
function propagateCopies(rule: AlrRule): AlrRule {
  let result = rule;
  ALR_STATES.forEach((state, i) => {
    const part = result[state];
    const copy = part.kind === 'const' || (part.kind === 'signal' && part.name !== state);
    if (!copy) return;
    const replace = (e: Expr): Expr => (e.kind === 'signal' && e.name === state ? part : mapChildren(e, replace));
    const later = [...ALR_STATES.slice(i + 1), 'update'] as const;
    for (const p of later) result = { ...result, [p]: replace(result[p]) };
  });
  return result;
}

/** The states an adaptive rule's update depends on, directly or through other states, in update order. */
export function liveStates(rule: AlrRule): AlrState[] {
  const isState = (n: string): n is AlrState => (ALR_STATES as readonly string[]).includes(n);
  const live = new Set<AlrState>([...signalsOf(rule.update)].filter(isState));
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of [...live]) {
      for (const n of signalsOf(rule[s])) {
        if (isState(n) && !live.has(n)) {
          live.add(n);
          grew = true;
        }
      }
    }
  }
  return ALR_STATES.filter((s) => live.has(s));
}

function dropDeadStates(rule: AlrRule): AlrRule {
  const live = new Set(liveStates(rule));
  let result = rule;
  for (const s of ALR_STATES) if (!live.has(s)) result = { ...result, [s]: sig(s) };
  return result;
}

// Trees are immutable, so purity facts can be remembered per node object;
// without this, checking them at every ancestor would be quadratic.
const pureCache = new WeakMap<Expr, boolean>();
const closedCache = new WeakMap<Expr, boolean>();

/** Draws nothing from the random stream. */
function isPure(e: Expr): boolean {
  let known = pureCache.get(e);
  if (known === undefined) {
    known = e.kind !== 'rand' && e.kind !== 'noise' && e.kind !== 'choice' && children(e).every(isPure);
    pureCache.set(e, known);
  }
  return known;
}

/** Pure and reads no signal, so its value is one fixed double that can be computed now. */
function isClosed(e: Expr): boolean {
  let known = closedCache.get(e);
  if (known === undefined) {
    known = e.kind !== 'signal' && isPure(e) && children(e).every(isClosed);
    closedCache.set(e, known);
  }
  return known;
}

function bothRandom(a: Expr, b: Expr): boolean {
  return !isPure(a) && !isPure(b);
}

/** A constant equal to v; `=== 0` deliberately matches -0 too (see the module comment). */
function isConst(e: Expr, v: number): boolean {
  return e.kind === 'const' && e.value === v;
}

function negativeConst(e: Expr): number | undefined {
  return e.kind === 'const' && e.value < 0 ? e.value : undefined;
}

function argOf(e: Expr, op: UnaryOp): Expr | undefined {
  return e.kind === 'unary' && e.op === op ? e.arg : undefined;
}

/** Operators whose result is >= 0 or NaN for every input, so abs() of them is the identity. */
const NON_NEGATIVE: ReadonlySet<UnaryOp> = new Set<UnaryOp>(['abs', 'sqrt', 'square', 'exp', 'sigmoid']);

/** Functions that ignore the sign of their argument (psqrt, plog, plog10 take |x| first; square is x*x). */
const EVEN: ReadonlySet<UnaryOp> = new Set<UnaryOp>(['sqrt', 'square', 'log', 'log10']);

/** Functions f with f(f(x)) = f(x) exactly. */
const IDEMPOTENT: ReadonlySet<UnaryOp> = new Set<UnaryOp>(['abs', 'floor', 'sign']);

function pass(e: Expr): Expr {
  let node = mapChildren(e, pass);
  // A rewrite's result is either an already-simplified child or a new node
  // over already-simplified children, so re-running the rules on the top
  // node alone is enough.
  for (;;) {
    const next = rewrite(node);
    if (next === undefined) return node;
    node = next;
  }
}

/** One rewrite at the top of `e`, or undefined when none applies. */
function rewrite(e: Expr): Expr | undefined {
  if (e.kind !== 'const' && isClosed(e)) {
    const value = interpret(e, {});
    // A non-finite constant could not be printed (and overflow must stay
    // visible as the expression that overflows), so such subtrees stay.
    if (Number.isFinite(value)) return num(value);
  }
  switch (e.kind) {
    case 'unary':
      return rewriteUnary(e.op, e.arg);
    case 'binary':
      return rewriteBinary(e.op, e.left, e.right);
    case 'cond': {
      if (isClosed(e.left) && isClosed(e.right)) {
        // The test operands draw nothing and read nothing, so evaluating them
        // now and dropping them changes neither value nor random stream,
        // even when they are non-finite and could not be folded to constants.
        return COMPARE_FNS[e.op](interpret(e.left, {}), interpret(e.right, {})) ? e.then : e.otherwise;
      }
      // Whichever branch the original takes evaluates the same tree; only the
      // test is dropped, and it must not draw.
      if (isPure(e.left) && isPure(e.right) && exprEquals(e.then, e.otherwise)) return e.then;
      return undefined;
    }
    default:
      return undefined;
  }
}

function rewriteUnary(op: UnaryOp, arg: Expr): Expr | undefined {
  if (op === 'neg') {
    const inner = argOf(arg, 'neg');
    if (inner) return inner;
    // -(a - b) = b - a because round-to-nearest is symmetric in sign; only the
    // sign of a zero result differs. The operands swap evaluation order.
    if (arg.kind === 'binary' && arg.op === 'sub' && !bothRandom(arg.left, arg.right)) return bin('sub', arg.right, arg.left);
    return undefined;
  }
  if (IDEMPOTENT.has(op) && argOf(arg, op)) return arg;
  if (op === 'abs' && arg.kind === 'unary' && NON_NEGATIVE.has(arg.op)) return arg;
  if (op === 'abs' || EVEN.has(op)) {
    const inner = argOf(arg, 'neg') ?? (op === 'abs' ? undefined : argOf(arg, 'abs'));
    if (inner) return un(op, inner);
  }
  return undefined;
}

function rewriteBinary(op: BinaryOp, l: Expr, r: Expr): Expr | undefined {
  switch (op) {
    case 'add': {
      // x + 0 is x except that -0 + 0 = +0, which is value-equal.
      if (isConst(r, 0)) return l;
      if (isConst(l, 0)) return r;
      // IEEE defines a - b as a + (-b), so these are exact.
      const rn = argOf(r, 'neg');
      if (rn) return bin('sub', l, rn);
      const ln = argOf(l, 'neg');
      if (ln && !bothRandom(ln, r)) return bin('sub', r, ln);
      const rc = negativeConst(r);
      if (rc !== undefined) return bin('sub', l, num(-rc));
      // The constant draws nothing, so moving it after r keeps the stream.
      const lc = negativeConst(l);
      if (lc !== undefined) return bin('sub', r, num(-lc));
      return undefined;
    }
    case 'sub': {
      if (isConst(r, 0)) return l;
      // 0 - x and -x differ only in the sign of a zero result.
      if (isConst(l, 0)) return un('neg', r);
      const rn = argOf(r, 'neg');
      if (rn) return bin('add', l, rn);
      const rc = negativeConst(r);
      if (rc !== undefined) return bin('add', l, num(-rc));
      return undefined;
    }
    case 'mul': {
      if (isConst(r, 1)) return l;
      if (isConst(l, 1)) return r;
      // Multiplying by -1 only flips the sign bit, as negation does (NaN and ±Inf included).
      if (isConst(r, -1)) return un('neg', l);
      if (isConst(l, -1)) return un('neg', r);
      const ln = argOf(l, 'neg');
      const rn = argOf(r, 'neg');
      if (ln && rn) return bin('mul', ln, rn);
      return undefined;
    }
    case 'div':
      // |1| and |-1| are far above the protection threshold, so this is plain
      // IEEE division. (-a)/(-b) → a/b is NOT exact: below the threshold
      // pdiv returns the numerator, -a.
      if (isConst(r, 1)) return l;
      if (isConst(r, -1)) return un('neg', l);
      return undefined;
    case 'pow':
      // ppow(x, 1) falls through to Math.pow(x, 1) = x for every x (1 is an
      // integer, and 0^1 is not a negative power); Math.pow(x, ±0) = 1 even
      // for NaN and ±Infinity, and ppow's 0^negative case needs b < 0.
      // But pow(1, x) is not 1 in JavaScript: Math.pow(1, NaN) is NaN.
      if (isConst(r, 1)) return l;
      if (isConst(r, 0) && isPure(l)) return num(1);
      return undefined;
    case 'min':
    case 'max':
      // Math.min(NaN, NaN) is NaN, so this holds for every value; the second
      // copy is dropped, so it must not draw.
      if (isPure(l) && exprEquals(l, r)) return l;
      return undefined;
  }
}
