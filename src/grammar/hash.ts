/**
 * Canonical keys and short hashes of rules, so that rules that differ only in
 * spelling (operand order of commutative operators, identities the
 * simplifier removes) are recognised as the same rule, e.g. to deduplicate a
 * population or cache fitness.
 *
 * Equal keys must imply equal behaviour (same values, same random draws);
 * the converse is not attempted (a + (b + c) and (a + b) + c are not equal
 * in floating point anyway).
 */
import { createHash } from 'node:crypto';
import { ruleParts, type BinaryOp, type CompareOp, type Expr, type Rule } from './ast.js';
import { simplifyRule } from './simplify.js';

/** Operators with op(a, b) = op(b, a) exactly, NaN and signed zeros included. */
const COMMUTATIVE: ReadonlySet<BinaryOp> = new Set<BinaryOp>(['add', 'mul', 'min', 'max']);

/** a op b ⇔ b mirror(op) a, exactly (a NaN operand gives the same answer both ways). */
const MIRROR: Readonly<Record<CompareOp, CompareOp>> = { lt: 'gt', gt: 'lt', le: 'ge', ge: 'le', eq: 'eq', ne: 'ne' };

interface Keyed {
  readonly key: string;
  /** Whether the subtree draws; two drawing operands must keep their order. */
  readonly random: boolean;
}

/**
 * A canonical string of the expression. Leaves carry distinct sigils (`#`
 * constants, `$` signals) and every compound node is `name(args)`, so the
 * string is unambiguous. Constants use String(), which is the shortest text
 * that reads back as the same double, with -0 spelled out since String(-0)
 * is "0".
 */
export function structuralKey(e: Expr): string {
  return keyed(e).key;
}

function constText(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

function keyed(e: Expr): Keyed {
  switch (e.kind) {
    case 'const':
      return { key: `#${constText(e.value)}`, random: false };
    case 'signal':
      return { key: `$${e.name}`, random: false };
    case 'rand':
      return { key: 'rand()', random: true };
    case 'noise':
      return { key: `noise(${keyed(e.sigma).key})`, random: true };
    case 'choice':
      return { key: `choice(${e.options.map((o) => keyed(o).key).join(',')})`, random: true };
    case 'unary': {
      const a = keyed(e.arg);
      return { key: `${e.op}(${a.key})`, random: a.random };
    }
    case 'binary': {
      const l = keyed(e.left);
      const r = keyed(e.right);
      const swap = COMMUTATIVE.has(e.op) && !(l.random && r.random) && r.key < l.key;
      const [a, b] = swap ? [r.key, l.key] : [l.key, r.key];
      return { key: `${e.op}(${a},${b})`, random: l.random || r.random };
    }
    case 'cond': {
      const l = keyed(e.left);
      const r = keyed(e.right);
      const t = keyed(e.then);
      const o = keyed(e.otherwise);
      // a < b and b > a are one test; ordering the operands and mirroring the
      // comparison covers eq/ne's symmetry as a special case.
      const swap = !(l.random && r.random) && r.key < l.key;
      let op = swap ? MIRROR[e.op] : e.op;
      // With equal operands either spelling is the same test, so pick one.
      if (l.key === r.key && MIRROR[op] < op) op = MIRROR[op];
      const [a, b] = swap ? [r.key, l.key] : [l.key, r.key];
      return {
        key: `if.${op}(${a},${b},${t.key},${o.key})`,
        random: l.random || r.random || t.random || o.random,
      };
    }
  }
}

/**
 * The canonical text of a whole rule (after simplification): variant, the
 * part names (which include a dynamic rule's granularity) and each part's key.
 */
export function ruleKey(rule: Rule): string {
  const simplified = simplifyRule(rule);
  return [simplified.variant, ...ruleParts(simplified).map(([name, e]) => `${name}=${structuralKey(e)}`)].join(';');
}

/** First 16 hex digits of the SHA-256 of `ruleKey`: short enough for file names and logs. */
export function ruleHash(rule: Rule): string {
  return createHash('sha256').update(ruleKey(rule)).digest('hex').slice(0, 16);
}
