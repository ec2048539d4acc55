/**
 * Whether an exported rule ignores the learning rate its user hands it.
 *
 * A schedule's rates, or an adaptive rule's update, may never take `lr` (or,
 * for schedules, `lr0`) as a value: ADES as published, the ALR MNIST winner
 * (`lr` only enters a comparison), the DLR MNIST winner (a constant). Their
 * users still write `lr=0.01`, pass `--lr0` or wrap a scheduler around the
 * optimizer, and nothing happens; the exports say so in the header and warn
 * at construction. Decided on the tree alone (no evaluation), so it is exact
 * about what the rule reads and conservative about what it computes: `lr / lr`
 * counts as using lr.
 */
import { ALR_STATES, type AlrState, type Expr, type Rule } from '../grammar/ast.js';
import { children, signalsOf } from '../grammar/ast.js';
import { liveStates } from '../grammar/simplify.js';

/**
 * How the rule's output depends on the learning rate:
 * - `value`: lr (or lr0) reaches the rate / update as a value — it sets the step size;
 * - `tests-only`: lr is read, but only by comparisons that choose a branch; it never scales a step;
 * - `unread`: the rule never reads lr nor lr0.
 */
export type LrUse = 'value' | 'tests-only' | 'unread';

/** The signals the user's learning rate arrives through. */
const LR_SIGNALS: readonly string[] = ['lr', 'lr0'];

/**
 * Signals an expression's value is built from: every signal except those read
 * only by a conditional's comparison (its `left` and `right`), which pick a
 * branch but are never part of the result.
 */
function valueSignals(e: Expr, into: Set<string> = new Set()): Set<string> {
  if (e.kind === 'signal') into.add(e.name);
  if (e.kind === 'cond') {
    valueSignals(e.then, into);
    valueSignals(e.otherwise, into);
    return into;
  }
  for (const c of children(e)) valueSignals(c, into);
  return into;
}

const isState = (n: string): n is AlrState => (ALR_STATES as readonly string[]).includes(n);

/**
 * The rule's output expression (a schedule's rate; an adaptive rule's update)
 * and the expressions of the states it can read. A schedule's acceptance
 * clause is left out: it gives a probability, not a step size.
 */
function outputAndStates(rule: Rule): { output: Expr; states: ReadonlyMap<AlrState, Expr> } {
  if (rule.variant === 'dlr') return { output: rule.lr, states: new Map() };
  return { output: rule.update, states: new Map(liveStates(rule).map((s) => [s, rule[s]])) };
}

/** How the rule's rate (schedules) or update (adaptive rules) depends on the learning rate; see `LrUse`. */
export function lrUse(rule: Rule): LrUse {
  const { output, states } = outputAndStates(rule);
  // Signals that flow into the output as values, following states whose values flow in.
  const reached = valueSignals(output);
  for (let grew = true; grew; ) {
    grew = false;
    for (const name of [...reached]) {
      const expr = isState(name) ? states.get(name) : undefined;
      if (expr === undefined) continue;
      for (const n of valueSignals(expr)) {
        if (!reached.has(n)) {
          reached.add(n);
          grew = true;
        }
      }
    }
  }
  if (LR_SIGNALS.some((n) => reached.has(n))) return 'value';
  const read = signalsOf(output);
  for (const e of states.values()) signalsOf(e, read);
  return LR_SIGNALS.some((n) => read.has(n)) ? 'tests-only' : 'unread';
}

/** True when the learning rate the user passes (lr=, --lr0, a scheduler) cannot change the rule's step sizes. */
export function ignoresLr(rule: Rule): boolean {
  return lrUse(rule) !== 'value';
}
