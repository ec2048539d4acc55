/**
 * Reverse mapping: given a rule, find a genotype that maps back to exactly it.
 * This is how hand-made rules (DLRS, Adam, …) enter the evolving population
 * as ordinary individuals.
 *
 * Each production is read once as a *pattern*: its nonterminals become
 * placeholder names (`__nt<i>`, `__real<i>` for constant slots, i = the
 * symbol's index) and the text is parsed by the rule parser, so a production
 * like `(<expr> + <expr>)` becomes add(hole1, hole3). Matching a rule then
 * unifies its tree with the patterns top-down and recurses into the holes.
 *
 * Three kinds of nonterminal are understood:
 * - expression nonterminals, whose productions parse as expressions;
 * - argument-list nonterminals (`<options> ::= <expr> | <expr>, <options>`),
 *   whose productions parse as call arguments and which match a run of one or
 *   more arguments;
 * - lexical nonterminals with a small finite language (`<op> ::= + | -`):
 *   where a placeholder cannot parse (an operator position), their strings
 *   are substituted into the production before it is read.
 * Productions that fit none of these are skipped; the search then fails with
 * a message if the rule needed them. Every result is checked by mapping it
 * forward, so an unparenthesised grammar cannot produce a wrong genotype.
 */
import { ruleEquals, ruleParts, type Expr, type Rule } from './ast.js';
import type { Grammar, GrammarSymbol } from './bnf.js';
import { allowedProductions, mapGenotype, MappingError, type Gene, type Genotype } from './genotype.js';
import { parseExpression, parseRule, RuleSyntaxError } from './parser.js';
import { printRule } from './printer.js';
import { InputError } from '../errors.js';

/** A derivation: which production expanded a nonterminal, and what filled its symbols. */
interface Derivation {
  readonly nt: string;
  readonly production: number;
  /** In symbol order: sub-derivations for nonterminals, numbers for real slots. */
  readonly filled: ReadonlyArray<Derivation | number>;
}

/** A production read as a pattern, possibly with lexical nonterminals already chosen. */
interface Pattern {
  readonly production: number;
  /** Expression pattern (expression kind), argument list (list kind) or whole rule (start symbol). */
  readonly shape: Expr | readonly Expr[] | Rule;
  /** Lexical nonterminals substituted into this pattern, by symbol index. */
  readonly lexical: ReadonlyMap<number, Derivation>;
}

type Kind = 'expression' | 'list' | 'lexical';

interface Tables {
  readonly kinds: ReadonlyMap<string, Kind>;
  readonly patterns: ReadonlyMap<string, readonly Pattern[]>;
  readonly skipped: ReadonlyArray<string>;
}

export class ReverseMappingError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'ReverseMappingError';
  }
}

const MAX_LEXICAL_STRINGS = 64;
const MAX_PATTERN_COMBINATIONS = 512;
const HOLE = /^__(nt|real)(\d+)$/;

const tableCache = new WeakMap<Grammar, Tables>();

/** Finds a genotype of `g` that maps to exactly `rule`. Throws ReverseMappingError. */
export function reverseMap(g: Grammar, rule: Rule, options: { maxDepth?: number } = {}): Genotype {
  if (rule.variant !== g.variant) {
    throw new ReverseMappingError(`a ${rule.variant} rule cannot be expressed in the ${g.variant} grammar ${g.origin}`);
  }
  const maxDepth = options.maxDepth ?? g.maxDepth;
  const tables = buildTables(g);
  const matcher = new Matcher(g, tables, maxDepth);
  const derivation = matcher.matchRule(rule);
  if (!derivation) {
    const hint = tables.skipped.length > 0 ? ` (productions the reverse mapper cannot read: ${tables.skipped.join('; ')})` : '';
    throw new ReverseMappingError(
      `"${printRule(rule)}" cannot be derived by the grammar ${g.origin} within depth ${maxDepth}${hint}`,
    );
  }
  const genotype = toGenotype(g, derivation);
  let back: Rule;
  try {
    back = mapGenotype(g, genotype, { maxDepth }).rule;
  } catch (err) {
    if (err instanceof MappingError) throw new ReverseMappingError(`the genotype found for "${printRule(rule)}" does not map: ${err.message}`);
    throw err;
  }
  if (!ruleEquals(back, rule)) {
    throw new ReverseMappingError(
      `the grammar ${g.origin} derives "${printRule(back)}" where "${printRule(rule)}" was meant; parenthesise its productions so derived text keeps its structure`,
    );
  }
  return genotype;
}

/** Flattens a derivation into per-nonterminal codons in the mapper's expansion order. */
function toGenotype(g: Grammar, root: Derivation): Genotype {
  const genes = new Map<string, { codons: number[]; reals: number[] }>();
  const visit = (d: Derivation): void => {
    let gene = genes.get(d.nt);
    if (!gene) {
      gene = { codons: [], reals: [] };
      genes.set(d.nt, gene);
    }
    gene.codons.push(d.production);
    for (const f of d.filled) {
      if (typeof f === 'number') (genes.get(d.nt) as { reals: number[] }).reals.push(f);
      else visit(f);
    }
  };
  visit(root);
  const out: Record<string, Gene> = {};
  for (const nt of g.nonterminals) {
    const gene = genes.get(nt);
    if (gene) out[nt] = gene;
  }
  return out;
}

// ---------------------------------------------------------------- tables

function buildTables(g: Grammar): Tables {
  const cached = tableCache.get(g);
  if (cached) return cached;
  const lexicalStrings = new Map<string, Array<{ text: string; derivation: Derivation; height: number }>>();
  for (const nt of g.nonterminals) {
    const strings = enumerateLexical(g, nt, new Set());
    if (strings) lexicalStrings.set(nt, strings);
  }
  const kinds = new Map<string, Kind>();
  const patterns = new Map<string, Pattern[]>();
  const skipped: string[] = [];
  for (const nt of g.nonterminals) {
    const prods = g.productions.get(nt) ?? [];
    const mode: 'rule' | 'expression' | 'list' =
      nt === g.start ? 'rule' : prods.some((p) => topLevelComma(p.source)) ? 'list' : 'expression';
    const list: Pattern[] = [];
    prods.forEach((p, index) => {
      const read = readProduction(g, p.symbols, index, mode, lexicalStrings);
      if (read.length === 0) skipped.push(`<${nt}> ::= ${p.source}`);
      list.push(...read);
    });
    patterns.set(nt, list);
    kinds.set(nt, mode === 'list' ? 'list' : list.length === 0 && lexicalStrings.has(nt) ? 'lexical' : 'expression');
  }
  const tables = { kinds, patterns, skipped };
  tableCache.set(g, tables);
  return tables;
}

function topLevelComma(text: string): boolean {
  let level = 0;
  for (const c of text) {
    if (c === '(') level++;
    else if (c === ')') level--;
    else if (c === ',' && level === 0) return true;
  }
  return false;
}

/**
 * All strings of a nonterminal with a small finite language, with their
 * derivations; undefined when the language is recursive, has real slots, or
 * is too large.
 */
function enumerateLexical(
  g: Grammar,
  nt: string,
  visiting: Set<string>,
): Array<{ text: string; derivation: Derivation; height: number }> | undefined {
  if (visiting.has(nt)) return undefined;
  visiting.add(nt);
  const out: Array<{ text: string; derivation: Derivation; height: number }> = [];
  const prods = g.productions.get(nt) ?? [];
  for (let index = 0; index < prods.length; index++) {
    let partial: Array<{ text: string; filled: Array<Derivation | number>; height: number }> = [{ text: '', filled: [], height: 1 }];
    for (const s of (prods[index] as { symbols: readonly GrammarSymbol[] }).symbols) {
      if (s.kind === 'real') {
        visiting.delete(nt);
        return undefined;
      }
      if (s.kind === 'text') {
        partial = partial.map((x) => ({ ...x, text: x.text + s.text }));
        continue;
      }
      const sub = enumerateLexical(g, s.name, visiting);
      if (!sub) {
        visiting.delete(nt);
        return undefined;
      }
      partial = partial.flatMap((x) =>
        sub.map((y) => ({ text: x.text + y.text, filled: [...x.filled, y.derivation], height: Math.max(x.height, 1 + y.height) })),
      );
      if (partial.length > MAX_LEXICAL_STRINGS) {
        visiting.delete(nt);
        return undefined;
      }
    }
    for (const x of partial) out.push({ text: x.text, derivation: { nt, production: index, filled: x.filled }, height: x.height });
    if (out.length > MAX_LEXICAL_STRINGS) {
      visiting.delete(nt);
      return undefined;
    }
  }
  visiting.delete(nt);
  return out;
}

/**
 * Reads one production as patterns: first with every nonterminal as a hole;
 * if that does not parse, with its lexical nonterminals substituted by each of
 * their strings.
 */
function readProduction(
  g: Grammar,
  symbols: readonly GrammarSymbol[],
  index: number,
  mode: 'rule' | 'expression' | 'list',
  lexical: ReadonlyMap<string, Array<{ text: string; derivation: Derivation; height: number }>>,
): Pattern[] {
  const direct = parsePattern(g, templateOf(symbols, new Map()), mode);
  if (direct !== undefined) return [{ production: index, shape: direct, lexical: new Map() }];

  const lexicalPositions = symbols.flatMap((s, i) => (s.kind === 'nonterminal' && lexical.has(s.name) ? [i] : []));
  if (lexicalPositions.length === 0) return [];
  let combos: Array<Map<number, { text: string; derivation: Derivation; height: number }>> = [new Map()];
  for (const i of lexicalPositions) {
    const strings = lexical.get((symbols[i] as { name: string }).name) ?? [];
    combos = combos.flatMap((m) => strings.map((s) => new Map([...m, [i, s]])));
    if (combos.length > MAX_PATTERN_COMBINATIONS) return [];
  }
  const out: Pattern[] = [];
  for (const combo of combos) {
    const shape = parsePattern(g, templateOf(symbols, combo), mode);
    if (shape === undefined) return [];
    out.push({ production: index, shape, lexical: new Map([...combo].map(([i, s]) => [i, s.derivation])) });
  }
  return out;
}

function templateOf(symbols: readonly GrammarSymbol[], substituted: ReadonlyMap<number, { text: string }>): string {
  return symbols
    .map((s, i) => {
      if (s.kind === 'text') return s.text;
      if (s.kind === 'real') return ` __real${i} `;
      const sub = substituted.get(i);
      return sub ? sub.text : ` __nt${i} `;
    })
    .join('');
}

function parsePattern(g: Grammar, template: string, mode: 'rule' | 'expression' | 'list'): Expr | readonly Expr[] | Rule | undefined {
  const widest = g.variant === 'dlr' ? 'accept' : 'update';
  try {
    if (mode === 'rule') return parseRule(template, g.variant, { placeholders: true });
    if (mode === 'expression') return parseExpression(template, g.variant, widest, { placeholders: true });
    const call = parseExpression(`choice(${template})`, g.variant, widest, { placeholders: true });
    return call.kind === 'choice' ? call.options : undefined;
  } catch (err) {
    if (err instanceof RuleSyntaxError) return undefined;
    throw err;
  }
}

// ---------------------------------------------------------------- matching

type Bindings = ReadonlyMap<number, Expr | readonly Expr[] | number>;

class Matcher {
  private readonly memo = new WeakMap<Expr, Map<string, Derivation | null>>();

  constructor(
    private readonly g: Grammar,
    private readonly tables: Tables,
    private readonly maxDepth: number,
  ) {}

  matchRule(rule: Rule): Derivation | undefined {
    const start = this.g.start;
    const allowed = allowedProductions(this.g, start, 1, this.maxDepth);
    for (const pattern of this.tables.patterns.get(start) ?? []) {
      if (!allowed.includes(pattern.production)) continue;
      const shape = pattern.shape as Rule;
      const mine = ruleParts(rule);
      const theirs = ruleParts(shape);
      if (mine.length !== theirs.length || mine.some(([name], i) => name !== (theirs[i] as [string, Expr])[0])) continue;
      const symbols = this.symbolsOf(start, pattern);
      for (const bindings of this.unifyAll(theirs.map(([, e]) => e), mine.map(([, e]) => e), new Map(), symbols)) {
        const d = this.complete(start, pattern, bindings, 1);
        if (d) return d;
      }
    }
    return undefined;
  }

  /** A derivation of `nt` at depth `d` yielding exactly `target`, or null. */
  private matchExpr(nt: string, target: Expr, d: number): Derivation | null {
    let byKey = this.memo.get(target);
    if (!byKey) {
      byKey = new Map();
      this.memo.set(target, byKey);
    }
    const key = `${nt}@${d}`;
    if (byKey.has(key)) return byKey.get(key) as Derivation | null;
    byKey.set(key, null); // a cycle back to the same question cannot help
    const found = this.search(nt, [target], d, false);
    byKey.set(key, found);
    return found;
  }

  /** A derivation of list nonterminal `nt` yielding exactly the arguments `targets`. */
  private matchList(nt: string, targets: readonly Expr[], d: number): Derivation | null {
    return this.search(nt, targets, d, true);
  }

  private search(nt: string, targets: readonly Expr[], d: number, asList: boolean): Derivation | null {
    if (d > this.maxDepth) return null;
    const allowed = allowedProductions(this.g, nt, d, this.maxDepth);
    for (const pattern of this.tables.patterns.get(nt) ?? []) {
      if (!allowed.includes(pattern.production)) continue;
      const shapes: readonly Expr[] = Array.isArray(pattern.shape) ? (pattern.shape as Expr[]) : [pattern.shape as Expr];
      if (!asList && shapes.length !== 1) continue;
      for (const bindings of this.unifyAll(shapes, targets, new Map(), this.symbolsOf(nt, pattern))) {
        const derivation = this.complete(nt, pattern, bindings, d);
        if (derivation) return derivation;
      }
    }
    return null;
  }

  private symbolsOf(nt: string, pattern: Pattern): readonly GrammarSymbol[] {
    return (this.g.productions.get(nt) ?? [])[pattern.production]?.symbols ?? [];
  }

  /** Fills a pattern's holes with derivations of the bound sub-rules. */
  private complete(nt: string, pattern: Pattern, bindings: Bindings, d: number): Derivation | null {
    const production = (this.g.productions.get(nt) ?? [])[pattern.production];
    if (!production) return null;
    const filled: Array<Derivation | number> = [];
    for (let i = 0; i < production.symbols.length; i++) {
      const s = production.symbols[i] as GrammarSymbol;
      if (s.kind === 'text') continue;
      if (s.kind === 'real') {
        const v = bindings.get(i);
        if (typeof v !== 'number') return null;
        filled.push(v);
        continue;
      }
      const lex = pattern.lexical.get(i);
      if (lex) {
        if (!this.lexicalFits(lex, d + 1)) return null;
        filled.push(lex);
        continue;
      }
      const bound = bindings.get(i);
      if (bound === undefined || typeof bound === 'number') return null;
      const sub = Array.isArray(bound)
        ? this.matchList(s.name, bound as readonly Expr[], d + 1)
        : this.matchExpr(s.name, bound as Expr, d + 1);
      if (!sub) return null;
      filled.push(sub);
    }
    return { nt, production: pattern.production, filled };
  }

  private lexicalFits(derivation: Derivation, d: number): boolean {
    if (!allowedProductions(this.g, derivation.nt, d, this.maxDepth).includes(derivation.production)) return false;
    return derivation.filled.every((f) => typeof f === 'number' || this.lexicalFits(f, d + 1));
  }

  /**
   * Every way the pattern sequence can cover the target sequence. A hole of a
   * list nonterminal standing alone in an argument list covers a run of one
   * or more arguments; everything else covers exactly one.
   */
  private *unifyAll(
    patterns: readonly Expr[],
    targets: readonly Expr[],
    bindings: Map<number, Expr | readonly Expr[] | number>,
    symbols: readonly GrammarSymbol[],
  ): Generator<Bindings> {
    if (patterns.length === 0) {
      if (targets.length === 0) yield bindings;
      return;
    }
    const [first, ...rest] = patterns as [Expr, ...Expr[]];
    const hole = holeOf(first);
    if (hole && hole.kind === 'nt' && this.kindOfSymbol(symbols, hole.index) === 'list') {
      for (let take = 1; take <= targets.length - rest.length; take++) {
        const next = new Map(bindings);
        next.set(hole.index, targets.slice(0, take));
        yield* this.unifyAll(rest, targets.slice(take), next, symbols);
      }
      return;
    }
    if (targets.length === 0) return;
    const next = new Map(bindings);
    if (!this.unifyOne(first, targets[0] as Expr, next, symbols)) return;
    yield* this.unifyAll(rest, targets.slice(1), next, symbols);
  }

  private kindOfSymbol(symbols: readonly GrammarSymbol[], index: number): Kind | undefined {
    const s = symbols[index];
    return s && s.kind === 'nonterminal' ? this.tables.kinds.get(s.name) : undefined;
  }

  private unifyOne(
    pattern: Expr,
    target: Expr,
    bindings: Map<number, Expr | readonly Expr[] | number>,
    symbols: readonly GrammarSymbol[],
  ): boolean {
    const hole = holeOf(pattern);
    if (hole) {
      if (hole.kind === 'real') {
        if (target.kind !== 'const') return false;
        bindings.set(hole.index, target.value);
        return true;
      }
      bindings.set(hole.index, target);
      return true;
    }
    if (pattern.kind !== target.kind) return false;
    switch (pattern.kind) {
      case 'const':
        return Object.is(pattern.value, (target as typeof pattern).value);
      case 'signal':
        return pattern.name === (target as typeof pattern).name;
      case 'rand':
        return true;
      case 'unary':
        return pattern.op === (target as typeof pattern).op && this.unifyOne(pattern.arg, (target as typeof pattern).arg, bindings, symbols);
      case 'noise':
        return this.unifyOne(pattern.sigma, (target as typeof pattern).sigma, bindings, symbols);
      case 'binary': {
        const t = target as typeof pattern;
        return pattern.op === t.op && this.unifyOne(pattern.left, t.left, bindings, symbols) && this.unifyOne(pattern.right, t.right, bindings, symbols);
      }
      case 'cond': {
        const t = target as typeof pattern;
        return (
          pattern.op === t.op &&
          this.unifyOne(pattern.left, t.left, bindings, symbols) &&
          this.unifyOne(pattern.right, t.right, bindings, symbols) &&
          this.unifyOne(pattern.then, t.then, bindings, symbols) &&
          this.unifyOne(pattern.otherwise, t.otherwise, bindings, symbols)
        );
      }
      case 'choice': {
        // Argument lists may hold list holes. The first covering is taken: with
        // at most one list hole per argument list (as in every grammar we ship)
        // it is the only one.
        const t = target as typeof pattern;
        for (const b of this.unifyAll(pattern.options, t.options, new Map(bindings), symbols)) {
          for (const [k, v] of b) bindings.set(k, v);
          return true;
        }
        return false;
      }
    }
  }
}

function holeOf(e: Expr): { kind: 'nt' | 'real'; index: number } | undefined {
  if (e.kind !== 'signal') return undefined;
  const m = HOLE.exec(e.name);
  return m ? { kind: m[1] as 'nt' | 'real', index: Number(m[2]) } : undefined;
}

