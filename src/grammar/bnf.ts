/**
 * BNF grammar files: reading, checking, and the depth tables SGE needs.
 *
 * Format (see docs/rule-language.md):
 *
 *     # comment
 *     %variant dlr            which rule variant the grammar derives
 *     %max-depth 24           derivation depth limit (root nonterminal = depth 1)
 *     %init-depth 6           depth limit for random initial individuals
 *     <rule> ::= epoch: <expr> | step: <expr>
 *     <expr> ::= (<expr> + <expr>)
 *              | <term>
 *     <const> ::= %real(-1, 1)% | %logreal(0.0001, 1)%
 *
 * The first rule's nonterminal is the start symbol. Alternatives are separated
 * by `|`; a line starting with `|` continues the previous rule. Everything that
 * is not `<name>` or a `%real(lo, hi)%` / `%logreal(lo, hi)%` slot is literal
 * text. A real slot holds any double exactly (so seeds keep their constants);
 * its range only governs random initialisation and mutation scale.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { Variant } from './ast.js';
import { InputError } from '../errors.js';

export type GrammarSymbol =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'nonterminal'; readonly name: string }
  | { readonly kind: 'real'; readonly lo: number; readonly hi: number; readonly log: boolean };

export interface Production {
  readonly symbols: readonly GrammarSymbol[];
  /** The alternative as written, for messages. */
  readonly source: string;
  readonly line: number;
}

export interface Grammar {
  /** Where it came from: a built-in name or a file path. */
  readonly origin: string;
  readonly variant: Variant;
  readonly start: string;
  /** Nonterminals in the order they are defined. */
  readonly nonterminals: readonly string[];
  readonly productions: ReadonlyMap<string, readonly Production[]>;
  readonly maxDepth: number;
  readonly initDepth: number;
  /** Smallest derivation depth of each nonterminal (a nonterminal whose every production is text has depth 1). */
  readonly minDepth: ReadonlyMap<string, number>;
  /** Smallest derivation depth of each production, indexed like `productions`. */
  readonly productionDepth: ReadonlyMap<string, readonly number[]>;
}

export class GrammarError extends InputError {
  constructor(
    message: string,
    readonly origin: string,
    readonly line?: number,
  ) {
    super(line === undefined ? `${origin}: ${message}` : `${origin}, line ${line}: ${message}`);
    this.name = 'GrammarError';
  }
}

const BUILTIN_DIR = join(dirname(fileURLToPath(import.meta.url)), 'grammars');

/**
 * The built-in grammars: every `.bnf` file in `grammars/`, by file name, so a
 * new built-in grammar is one file (its `%variant` says what it derives). The
 * variants' default grammars (`dlr`, `alr`) come first, then the rest by name.
 */
export function builtinGrammars(): string[] {
  const names = readdirSync(findGrammarDir())
    .filter((f) => f.endsWith('.bnf'))
    .map((f) => f.slice(0, -'.bnf'.length));
  const rank = (n: string): number => (n === 'dlr' ? 0 : n === 'alr' ? 1 : 2);
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function isBuiltinGrammar(name: string): boolean {
  return builtinGrammars().includes(name);
}

/** Path of a built-in grammar file. */
export function builtinGrammarPath(name: string): string {
  return join(findGrammarDir(), `${name}.bnf`);
}

/**
 * The .bnf files sit beside the TypeScript sources; the compiled build in
 * dist/ reads them from src/ (they are data, not code, and ship in the package).
 */
function findGrammarDir(): string {
  const candidates = [BUILTIN_DIR, join(BUILTIN_DIR, '..', '..', '..', 'src', 'grammar', 'grammars')];
  for (const dir of candidates) {
    try {
      readFileSync(join(dir, 'dlr.bnf'));
      return dir;
    } catch {
      // try the next location
    }
  }
  return BUILTIN_DIR;
}

/**
 * Loads a grammar by built-in name (`dlr`, `alr`) or file path. With an
 * expected variant, a grammar for the other variant is refused.
 */
export function loadGrammar(nameOrPath: string, expected?: Variant): Grammar {
  const builtin = isBuiltinGrammar(nameOrPath);
  const path = builtin ? builtinGrammarPath(nameOrPath) : nameOrPath;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new GrammarError(
      code === 'ENOENT' ? `no such grammar file (built-in grammars: ${builtinGrammars().join(', ')})` : `cannot read: ${(err as Error).message}`,
      nameOrPath,
    );
  }
  const grammar = parseGrammar(text, builtin ? nameOrPath : path);
  if (expected !== undefined && grammar.variant !== expected) {
    throw new GrammarError(`this grammar derives ${grammar.variant} rules, but a ${expected} grammar is needed`, grammar.origin);
  }
  return grammar;
}

const NONTERMINAL = /<([A-Za-z_][A-Za-z0-9_-]*)>/y;
const REAL_SLOT = /%(real|logreal)\(\s*([^,()%]+?)\s*,\s*([^,()%]+?)\s*\)%/y;

/** Parses grammar text. `origin` names it in messages. */
export function parseGrammar(text: string, origin: string): Grammar {
  const productions = new Map<string, Production[]>();
  const order: string[] = [];
  const directives = new Map<string, { value: string; line: number }>();
  let current: string | undefined;

  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const content = raw.replace(/(^|\s)#.*$/, '').trim();
    if (content === '') return;
    if (content.startsWith('%') && !content.startsWith('%real') && !content.startsWith('%logreal')) {
      const m = /^%([a-z-]+)\s+(\S+)$/.exec(content);
      if (!m) throw new GrammarError(`cannot read the directive "${content}" (expected "%name value")`, origin, line);
      directives.set(m[1] as string, { value: m[2] as string, line });
      return;
    }
    let alternatives: string;
    const head = /^<([A-Za-z_][A-Za-z0-9_-]*)>\s*::=(.*)$/.exec(content);
    if (head) {
      current = head[1] as string;
      if (productions.has(current)) throw new GrammarError(`<${current}> is defined twice`, origin, line);
      productions.set(current, []);
      order.push(current);
      alternatives = head[2] as string;
    } else if (content.startsWith('|')) {
      if (current === undefined) throw new GrammarError('a "|" continuation line comes before any rule', origin, line);
      alternatives = content.slice(1);
    } else {
      throw new GrammarError(`expected "<name> ::= …", a "|" continuation or a %directive, found "${content}"`, origin, line);
    }
    const list = productions.get(current as string) as Production[];
    for (const alt of alternatives.split('|')) {
      list.push({ symbols: readSymbols(alt.trim(), origin, line), source: alt.trim(), line });
    }
  });

  const start = order[0];
  if (start === undefined) throw new GrammarError('the grammar has no rules', origin);
  const variant = readVariant(directives.get('variant'), origin);
  const maxDepth = readPositiveInt(directives.get('max-depth'), 'max-depth', 16, origin);
  const initDepth = readPositiveInt(directives.get('init-depth'), 'init-depth', Math.min(6, maxDepth), origin);
  for (const [name] of directives) {
    if (!['variant', 'max-depth', 'init-depth'].includes(name)) {
      throw new GrammarError(`unknown directive %${name} (known: %variant, %max-depth, %init-depth)`, origin, directives.get(name)?.line);
    }
  }
  if (initDepth > maxDepth) throw new GrammarError(`%init-depth ${initDepth} exceeds %max-depth ${maxDepth}`, origin);

  checkReferences(productions, origin);
  checkReachable(productions, start, origin);
  const { minDepth, productionDepth } = depthTables(productions, origin);
  const startDepth = minDepth.get(start) as number;
  if (startDepth > maxDepth) {
    throw new GrammarError(`the shortest derivation is ${startDepth} deep, more than %max-depth ${maxDepth}`, origin);
  }
  if (startDepth > initDepth) {
    throw new GrammarError(`the shortest derivation is ${startDepth} deep, more than %init-depth ${initDepth}`, origin);
  }
  return { origin, variant, start, nonterminals: order, productions, maxDepth, initDepth, minDepth, productionDepth };
}

function readSymbols(alt: string, origin: string, line: number): GrammarSymbol[] {
  const symbols: GrammarSymbol[] = [];
  let text = '';
  let i = 0;
  const flush = (): void => {
    if (text !== '') symbols.push({ kind: 'text', text });
    text = '';
  };
  while (i < alt.length) {
    NONTERMINAL.lastIndex = i;
    const nt = NONTERMINAL.exec(alt);
    if (nt) {
      flush();
      symbols.push({ kind: 'nonterminal', name: nt[1] as string });
      i = NONTERMINAL.lastIndex;
      continue;
    }
    if (alt[i] === '%') {
      REAL_SLOT.lastIndex = i;
      const slot = REAL_SLOT.exec(alt);
      if (!slot) throw new GrammarError(`cannot read the slot at "${alt.slice(i, i + 30)}" (expected %real(lo, hi)% or %logreal(lo, hi)%)`, origin, line);
      const lo = Number(slot[2]);
      const hi = Number(slot[3]);
      const log = slot[1] === 'logreal';
      if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi) {
        throw new GrammarError(`slot ${slot[0]} needs finite bounds with lo <= hi`, origin, line);
      }
      if (log && lo <= 0) throw new GrammarError(`slot ${slot[0]} is log-scaled, so its bounds must be positive`, origin, line);
      flush();
      symbols.push({ kind: 'real', lo, hi, log });
      i = REAL_SLOT.lastIndex;
      continue;
    }
    text += alt[i];
    i++;
  }
  flush();
  return symbols;
}

function readVariant(d: { value: string; line: number } | undefined, origin: string): Variant {
  if (d === undefined) throw new GrammarError('missing "%variant dlr" or "%variant alr" at the top', origin);
  if (d.value !== 'dlr' && d.value !== 'alr') throw new GrammarError(`%variant must be dlr or alr, not "${d.value}"`, origin, d.line);
  return d.value;
}

function readPositiveInt(d: { value: string; line: number } | undefined, name: string, fallback: number, origin: string): number {
  if (d === undefined) return fallback;
  const n = Number(d.value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new GrammarError(`%${name} must be an integer from 1 to 64, not "${d.value}"`, origin, d.line);
  return n;
}

function nonterminalsOf(p: Production): string[] {
  return p.symbols.flatMap((s) => (s.kind === 'nonterminal' ? [s.name] : []));
}

function checkReferences(productions: Map<string, Production[]>, origin: string): void {
  for (const [, list] of productions) {
    for (const p of list) {
      for (const name of nonterminalsOf(p)) {
        if (!productions.has(name)) throw new GrammarError(`<${name}> is used but never defined`, origin, p.line);
      }
    }
  }
}

function checkReachable(productions: Map<string, Production[]>, start: string, origin: string): void {
  const seen = new Set([start]);
  const queue = [start];
  while (queue.length > 0) {
    for (const p of productions.get(queue.pop() as string) ?? []) {
      for (const name of nonterminalsOf(p)) {
        if (!seen.has(name)) {
          seen.add(name);
          queue.push(name);
        }
      }
    }
  }
  for (const [name, list] of productions) {
    if (!seen.has(name)) throw new GrammarError(`<${name}> cannot be reached from <${start}>`, origin, list[0]?.line);
  }
}

/**
 * Least fixed point of "depth needed to finish": a production needs one more
 * than its deepest nonterminal. Indirect recursion is handled like direct
 * recursion, which is what lets the mapper bound both.
 */
function depthTables(
  productions: Map<string, Production[]>,
  origin: string,
): { minDepth: Map<string, number>; productionDepth: Map<string, number[]> } {
  const minDepth = new Map<string, number>();
  for (const name of productions.keys()) minDepth.set(name, Infinity);
  const prodDepth = (p: Production): number => 1 + Math.max(0, ...nonterminalsOf(p).map((n) => minDepth.get(n) as number));
  let changed = true;
  while (changed) {
    changed = false;
    for (const [name, list] of productions) {
      const best = Math.min(...list.map(prodDepth));
      if (best < (minDepth.get(name) as number)) {
        minDepth.set(name, best);
        changed = true;
      }
    }
  }
  const endless = [...minDepth].filter(([, d]) => d === Infinity).map(([name]) => name);
  if (endless.length > 0) {
    const names = endless.map((n) => `<${n}>`).join(', ');
    throw new GrammarError(
      `${names} never finish${endless.length === 1 ? 'es' : ''}: every alternative leads back into ${endless.length === 1 ? 'itself' : 'them'}`,
      origin,
      productions.get(endless[endless.length - 1] as string)?.[0]?.line,
    );
  }
  const productionDepth = new Map<string, number[]>();
  for (const [name, list] of productions) productionDepth.set(name, list.map(prodDepth));
  return { minDepth, productionDepth };
}

/** The grammar as text, in the file's own notation. */
export function formatGrammar(g: Grammar): string {
  const out = [`%variant ${g.variant}`, `%max-depth ${g.maxDepth}`, `%init-depth ${g.initDepth}`, ''];
  for (const name of g.nonterminals) {
    const alts = (g.productions.get(name) ?? []).map((p) => p.source);
    const head = `<${name}> ::= `;
    out.push(head + alts.join(`\n${' '.repeat(head.length - 2)}| `));
  }
  return out.join('\n');
}
