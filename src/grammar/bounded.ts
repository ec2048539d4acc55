/**
 * Bounded forms: a rate or update written as lr0 or lr times a factor, with
 * the factor clipped — the only rules the bounded grammars (dlr-shape,
 * alr-shape) derive. Seeding turns a baseline into its bounded form, and
 * tables tell a seed in that form from the baseline as written.
 */
import type { Expr, Rule } from './ast.js';
import { parseRule, variantOfRuleText } from './parser.js';

/**
 * A rule written as a rate times a factor, with the factor clipped: a
 * schedule `lr0 * f` becomes `lr0 * min(1, max(0, f))`, an adaptive update
 * `lr * d` becomes `lr * min(1, max(-1, d))`.
 *
 * For schedules nothing changes wherever f stays within [0, 1], which holds
 * for every decaying shape among the baselines (constant, step, exponential,
 * cosine with or without restarts, linear decay, REX, one-cycle, warm-up
 * cosine; `test/evolution/seeding.test.ts` replays each against its
 * hand-coded rates). For updates the clip acts wherever a weight's
 * direction exceeds 1 in size: never for Adagrad (|g|/√Σg² ≤ 1), rarely for
 * Adam (|m̂|/√v̂ exceeds 1 only while gradients grow), and for SGD and
 * momentum wherever the gradient or its sum exceeds 1 — so the adaptive
 * seeds are their baselines with each weight's step capped at lr.
 *
 * Undefined for a rule that is not a rate times something (CLR adds to lr0,
 * DLRS and ALDVI read lr, SGD-SA gives absolute rates, ADES and Sign
 * ignore lr) or that has an acceptance clause.
 */
export function boundedForm(rule: Rule): Rule | undefined {
  if (rule.variant === 'dlr') {
    if (rule.accept !== undefined) return undefined;
    const f = factorOf(rule.lr, 'lr0');
    return f && { ...rule, lr: times(signal('lr0'), clip(0, f)) };
  }
  const d = factorOf(rule.update, 'lr');
  return d && { ...rule, update: times(signal('lr'), clip(-1, d)) };
}

/**
 * Whether rule text is in a bounded form (`boundedForm`'s shape: the rate
 * lr0 · min(1, max(0, f)), the update lr · min(1, max(-1, d))), which no
 * baseline is written as. Read from the text alone, so it holds for folders
 * written before seeds recorded anything more; text that does not parse is
 * not bounded.
 */
export function isBoundedText(text: string): boolean {
  let rule: Rule;
  try {
    rule = parseRule(text, variantOfRuleText(text));
  } catch {
    return false;
  }
  const [e, rate, low] = rule.variant === 'dlr' ? [rule.lr, 'lr0', 0] : [rule.update, 'lr', -1];
  if (e.kind !== 'binary' || e.op !== 'mul' || e.left.kind !== 'signal' || e.left.name !== rate) return false;
  const clip = e.right;
  return (
    clip.kind === 'binary' && clip.op === 'min' && isConst(clip.left, 1) &&
    clip.right.kind === 'binary' && clip.right.op === 'max' && isConst(clip.right.left, low)
  );
}

function isConst(e: Expr, value: number): boolean {
  return e.kind === 'const' && e.value === value;
}

/** min(1, max(low, e)). */
function clip(low: number, e: Expr): Expr {
  return { kind: 'binary', op: 'min', left: constant(1), right: { kind: 'binary', op: 'max', left: constant(low), right: e } };
}

/**
 * f such that e = rate · f, read off the products and quotients in which the
 * signal `rate` is a factor (`rate`, `rate * f`, `c * rate * f`,
 * `rate * f / g`); undefined when it is not a factor of e.
 */
function factorOf(e: Expr, rate: string): Expr | undefined {
  if (e.kind === 'signal' && e.name === rate) return constant(1);
  if (e.kind !== 'binary') return undefined;
  if (e.op === 'mul') {
    const left = factorOf(e.left, rate);
    if (left) return timesDroppingOne(left, e.right);
    const right = factorOf(e.right, rate);
    return right ? timesDroppingOne(e.left, right) : undefined;
  }
  if (e.op === 'div') {
    const left = factorOf(e.left, rate);
    return left ? { kind: 'binary', op: 'div', left, right: e.right } : undefined;
  }
  return undefined;
}

function timesDroppingOne(a: Expr, b: Expr): Expr {
  if (a.kind === 'const' && a.value === 1) return b;
  if (b.kind === 'const' && b.value === 1) return a;
  return times(a, b);
}

function times(a: Expr, b: Expr): Expr {
  return { kind: 'binary', op: 'mul', left: a, right: b };
}

function signal(name: string): Expr {
  return { kind: 'signal', name };
}

function constant(value: number): Expr {
  return { kind: 'const', value };
}
