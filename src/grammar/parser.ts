/**
 * Rule text → AST. This is the only way text becomes a rule, and rule text is
 * untrusted (config files, the command line, campaign folders), so:
 *
 * - acorn parses the text as a JavaScript program; nothing is ever evaluated;
 * - only a whitelist of node types, the part's signals and the language's
 *   functions (plus `Math.<fn>` aliases) are accepted, everything else is
 *   refused with its position and the reason;
 * - size and nesting are capped *before* acorn runs, and a stack overflow in
 *   any recursive pass is caught and reported, so hostile input cannot crash
 *   or hang the process.
 *
 * Text form: either a bare expression (a dynamic rule's per-epoch rate, or an
 * adaptive rule's update) or labelled parts, `epoch: lr * 0.9` /
 * `step: …; accept: …` / `alpha: …; beta: …; sigma: …; update: …`.
 */
import { parse as acornParse } from 'acorn';
import {
  ALR_STATES,
  bin,
  choice,
  cond,
  depth,
  noise,
  num,
  rand,
  sig,
  un,
  type AlrRule,
  type DlrRule,
  type Expr,
  type Granularity,
  type Rule,
  type Variant,
} from './ast.js';
import { partNames, partScope } from './signals.js';
import {
  BINARY_FUNCTIONS,
  COMPARISON_OPERATORS,
  INFIX_OPERATORS,
  MATH_ALIASES,
  UNARY_FUNCTIONS,
  isKnownFunction,
} from './vocabulary.js';
import { InputError } from '../errors.js';

/** Longest rule text accepted. Real rules are a few hundred characters. */
export const MAX_RULE_CHARS = 20_000;
/** Deepest bracket nesting accepted in the text. */
export const MAX_BRACKET_NESTING = 64;
/** Deepest expression tree accepted (so every later recursive pass is safe). */
export const MAX_EXPR_DEPTH = 128;

/** A refusal, with where in the text and why. */
export class RuleSyntaxError extends InputError {
  readonly line: number;
  readonly column: number;
  constructor(
    readonly reason: string,
    readonly offset: number,
    readonly text: string,
  ) {
    const { line, column } = lineColumn(text, offset);
    super(`rule text, line ${line} column ${column}: ${reason}`);
    this.name = 'RuleSyntaxError';
    this.line = line;
    this.column = column;
  }

  /** The message with the offending line and a caret under the position. */
  explain(): string {
    const lines = this.text.split('\n');
    const src = lines[this.line - 1] ?? '';
    const from = Math.max(0, this.column - 1 - 60);
    const excerpt = src.slice(from, from + 120);
    const caret = ' '.repeat(this.column - 1 - from) + '^';
    return `${this.message}\n  ${excerpt}\n  ${caret}`;
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

export interface ParseOptions {
  /** Overrides MAX_RULE_CHARS. */
  readonly maxChars?: number;
  /**
   * Accept `__nt<k>` / `__real<k>` identifiers as placeholder signals. Only the
   * grammar loader uses this, to read its productions as patterns.
   */
  readonly placeholders?: boolean;
}

/** acorn's nodes, typed just as far as this module reads them. */
interface Node {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  readonly [key: string]: unknown;
}

const PLACEHOLDER = /^__(nt|real)\d+$/;

/**
 * The variant rule text is written in, read from its first part: a schedule
 * starts with `epoch:` or `step:`, an adaptive rule with a state or the
 * update. For text whose variant nothing else records (a hall-of-fame entry).
 */
export function variantOfRuleText(text: string): Variant {
  return /^\s*(epoch|step)\s*:/.test(text) ? 'dlr' : 'alr';
}

/** Parses rule text of a variant into a rule. Throws RuleSyntaxError. */
export function parseRule(text: string, variant: Variant, options: ParseOptions = {}): Rule {
  const program = parseProgram(text, options);
  const parts = new Map<string, { expr: Expr; at: number }>();
  const body = (program.body as Node[]).filter((s) => s.type !== 'EmptyStatement');
  if (body.length === 0) throw new RuleSyntaxError('the rule is empty', 0, text);

  for (const statement of body) {
    if (statement.type === 'ExpressionStatement' && body.length === 1) {
      const part = variant === 'dlr' ? 'epoch' : 'update';
      parts.set(part, { expr: convertExpression(statement.expression as Node, text, variant, part, options), at: statement.start });
      continue;
    }
    if (statement.type !== 'LabeledStatement') {
      throw new RuleSyntaxError(
        statement.type === 'ExpressionStatement'
          ? `a rule with several expressions must label each one (${partNames(variant).join(', ')}), as in "${partNames(variant)[0]}: …"`
          : `${describeNode(statement)} is not allowed; a rule is an expression or "part: expression" items`,
        statement.start,
        text,
      );
    }
    const label = (statement.label as Node).name as string;
    if (partScope(variant, label) === undefined) {
      throw new RuleSyntaxError(
        `unknown part "${label}" for a ${variant} rule; the parts are ${partNames(variant).join(', ')}`,
        statement.start,
        text,
      );
    }
    if (parts.has(label)) throw new RuleSyntaxError(`part "${label}" is given twice`, statement.start, text);
    const inner = statement.body as Node;
    if (inner.type !== 'ExpressionStatement') {
      throw new RuleSyntaxError(`part "${label}" must be followed by an expression`, inner.start, text);
    }
    parts.set(label, { expr: convertExpression(inner.expression as Node, text, variant, label, options), at: statement.start });
  }
  return variant === 'dlr' ? assembleDlr(parts, text) : assembleAlr(parts, text);
}

/** Parses a single expression as it would appear in the given part of a rule. */
export function parseExpression(text: string, variant: Variant, part: string, options: ParseOptions = {}): Expr {
  if (partScope(variant, part) === undefined) throw new Error(`unknown part "${part}" for a ${variant} rule`);
  const program = parseProgram(text, options);
  const body = (program.body as Node[]).filter((s) => s.type !== 'EmptyStatement');
  const only = body[0];
  if (body.length !== 1 || only === undefined || only.type !== 'ExpressionStatement') {
    throw new RuleSyntaxError('expected exactly one expression', only?.start ?? 0, text);
  }
  return convertExpression(only.expression as Node, text, variant, part, options);
}

function assembleDlr(parts: Map<string, { expr: Expr; at: number }>, text: string): DlrRule {
  const epoch = parts.get('epoch');
  const step = parts.get('step');
  if (epoch && step) {
    throw new RuleSyntaxError('a dynamic rule runs either per epoch or per step: give "epoch:" or "step:", not both', step.at, text);
  }
  const main = epoch ?? step;
  if (!main) throw new RuleSyntaxError('a dynamic rule needs its rate, as "epoch: …" or "step: …"', 0, text);
  const granularity: Granularity = epoch ? 'epoch' : 'step';
  const accept = parts.get('accept');
  return accept
    ? { variant: 'dlr', granularity, lr: main.expr, accept: accept.expr }
    : { variant: 'dlr', granularity, lr: main.expr };
}

function assembleAlr(parts: Map<string, { expr: Expr; at: number }>, text: string): AlrRule {
  const update = parts.get('update');
  if (!update) throw new RuleSyntaxError('an adaptive rule needs "update: …" (the weight moves by w ← w − update)', 0, text);
  // A state that is not given keeps its value (zero), which is what `alpha: alpha` says.
  const state = (name: (typeof ALR_STATES)[number]): Expr => parts.get(name)?.expr ?? sig(name);
  return { variant: 'alr', alpha: state('alpha'), beta: state('beta'), sigma: state('sigma'), update: update.expr };
}

function parseProgram(text: string, options: ParseOptions): Node {
  if (typeof text !== 'string') throw new RuleSyntaxError('rule text must be a string', 0, String(text));
  const maxChars = options.maxChars ?? MAX_RULE_CHARS;
  if (text.length > maxChars) {
    throw new RuleSyntaxError(`rule text is ${text.length} characters long; the limit is ${maxChars}`, maxChars, text);
  }
  checkBracketNesting(text);
  try {
    return acornParse(text, {
      ecmaVersion: 2022,
      sourceType: 'script',
      preserveParens: true,
      allowHashBang: false,
      onComment: (_block: boolean, _content: string, start: number) => {
        throw new RuleSyntaxError('comments are not allowed in rule text', start, text);
      },
    }) as unknown as Node;
  } catch (err) {
    if (err instanceof RuleSyntaxError) throw err;
    if (err instanceof RangeError) throw new RuleSyntaxError('the expression is nested too deeply', 0, text);
    const e = err as { message?: string; pos?: number };
    const reason = (e.message ?? 'syntax error').replace(/\s*\(\d+:\d+\)$/, '');
    if (/stack space/i.test(reason)) throw new RuleSyntaxError('the expression is nested too deeply', e.pos ?? 0, text);
    throw new RuleSyntaxError(`syntax error: ${reason}`, e.pos ?? 0, text);
  }
}

/** Refuses deep bracket nesting up front: acorn is recursive and must never see it. */
function checkBracketNesting(text: string): void {
  let level = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') {
      level++;
      if (level > MAX_BRACKET_NESTING) {
        throw new RuleSyntaxError(`brackets are nested more than ${MAX_BRACKET_NESTING} deep`, i, text);
      }
    } else if (c === ')' || c === ']' || c === '}') {
      level = Math.max(0, level - 1);
    }
  }
}

function convertExpression(node: Node, text: string, variant: Variant, part: string, options: ParseOptions): Expr {
  const scope = new Set(partScope(variant, part));
  let expr: Expr;
  try {
    expr = new Converter(text, scope, part, variant, options.placeholders === true).expr(node);
  } catch (err) {
    if (err instanceof RangeError) throw new RuleSyntaxError('the expression is nested too deeply', node.start, text);
    throw err;
  }
  if (depth(expr) > MAX_EXPR_DEPTH) {
    throw new RuleSyntaxError(`the expression is more than ${MAX_EXPR_DEPTH} levels deep`, node.start, text);
  }
  return expr;
}

class Converter {
  constructor(
    private readonly text: string,
    private readonly scope: ReadonlySet<string>,
    private readonly part: string,
    private readonly variant: Variant,
    private readonly placeholders: boolean,
  ) {}

  private refuse(reason: string, node: Node): never {
    throw new RuleSyntaxError(reason, node.start, this.text);
  }

  expr(node: Node): Expr {
    switch (node.type) {
      case 'ParenthesizedExpression':
        return this.expr(node.expression as Node);
      case 'Literal':
        return this.literal(node);
      case 'Identifier':
        return this.identifier(node);
      case 'UnaryExpression':
        return this.unary(node);
      case 'BinaryExpression':
        return this.binary(node);
      case 'ConditionalExpression':
        return this.conditional(node);
      case 'CallExpression':
        return this.call(node);
      case 'MemberExpression':
        return this.refuse(
          `property access (${this.slice(node)}) is not allowed; only calls of the language's functions (or Math.<function>(…)) are`,
          node,
        );
      case 'LogicalExpression':
        return this.refuse(`"${node.operator as string}" is not in the language; nest conditionals "a < b ? x : y" instead`, node);
      default:
        return this.refuse(`${describeNode(node)} is not allowed in a rule`, node);
    }
  }

  private slice(node: Node): string {
    const s = this.text.slice(node.start, node.end);
    return s.length > 40 ? `${s.slice(0, 37)}...` : s;
  }

  private literal(node: Node): Expr {
    const value = node.value;
    if (typeof value !== 'number' || node.bigint !== undefined) {
      return this.refuse(`only numbers are allowed as literals, not ${this.slice(node)}`, node);
    }
    if (!Number.isFinite(value)) return this.refuse(`the number ${this.slice(node)} is too large`, node);
    return num(value);
  }

  private identifier(node: Node): Expr {
    const name = node.name as string;
    if (this.placeholders && PLACEHOLDER.test(name)) return sig(name);
    if (this.scope.has(name)) return sig(name);
    if (isKnownFunction(name) || name === 'Math') {
      return this.refuse(`"${name}" is a function; call it, as in ${name === 'Math' ? 'Math.abs(x)' : `${name}(…)`}`, node);
    }
    return this.refuse(`unknown name "${name}"; "${this.part}" may read ${[...this.scope].join(', ')}`, node);
  }

  private unary(node: Node): Expr {
    const operator = node.operator as string;
    const arg = node.argument as Node;
    if (operator === '-') {
      // "-0.5" is the constant -0.5; "-(0.5)" stays a negation, so printing can tell them apart.
      if (arg.type === 'Literal' && typeof arg.value === 'number') {
        const c = this.literal(arg);
        return num(-(c as { value: number }).value);
      }
      return un('neg', this.expr(arg));
    }
    if (operator === '+') return this.expr(arg);
    return this.refuse(`the operator "${operator}" is not in the language`, node);
  }

  private binary(node: Node): Expr {
    const operator = node.operator as string;
    const op = INFIX_OPERATORS[operator];
    if (op !== undefined) return bin(op, this.expr(node.left as Node), this.expr(node.right as Node));
    if (COMPARISON_OPERATORS[operator] !== undefined) {
      return this.refuse(`a comparison can only be the test of a conditional, as in "a ${operator} b ? x : y"`, node);
    }
    if (operator === '%') return this.refuse('"%" is not in the language; write a - b * floor(a / b)', node);
    return this.refuse(`the operator "${operator}" is not in the language`, node);
  }

  private conditional(node: Node): Expr {
    let test = node.test as Node;
    while (test.type === 'ParenthesizedExpression') test = test.expression as Node;
    const op = test.type === 'BinaryExpression' ? COMPARISON_OPERATORS[test.operator as string] : undefined;
    if (op === undefined) {
      return this.refuse('the test of a conditional must be one comparison (<, <=, >, >=, ==, !=)', test);
    }
    return cond(
      op,
      this.expr(test.left as Node),
      this.expr(test.right as Node),
      this.expr(node.consequent as Node),
      this.expr(node.alternate as Node),
    );
  }

  private call(node: Node): Expr {
    if (node.optional === true) return this.refuse('optional calls are not allowed', node);
    const callee = node.callee as Node;
    let name: string;
    if (callee.type === 'Identifier') {
      name = callee.name as string;
      if (!isKnownFunction(name)) {
        return this.refuse(`unknown function "${name}"`, callee);
      }
    } else if (
      callee.type === 'MemberExpression' &&
      callee.computed === false &&
      callee.optional !== true &&
      (callee.object as Node).type === 'Identifier' &&
      (callee.object as Node).name === 'Math' &&
      (callee.property as Node).type === 'Identifier' &&
      MATH_ALIASES.has((callee.property as Node).name as string)
    ) {
      name = (callee.property as Node).name as string;
    } else {
      return this.refuse(`only the language's functions (or Math.<function>) can be called, not ${this.slice(callee)}`, callee);
    }
    if (this.variant === 'alr' && (name === 'noise' || name === 'rand' || name === 'choice')) {
      // Adaptive rules run element-wise on tensors; per-element draws would not be reproducible across backends.
      return this.refuse(`${name} is not available in adaptive rules (they are deterministic)`, callee);
    }
    const argNodes = node.arguments as Node[];
    for (const a of argNodes) {
      if (a.type === 'SpreadElement') this.refuse('spread arguments are not allowed', a);
    }
    const arity = (n: number): Expr[] => {
      if (argNodes.length !== n) this.refuse(`${name} takes ${n} argument${n === 1 ? '' : 's'}, not ${argNodes.length}`, node);
      return argNodes.map((a) => this.expr(a));
    };
    const unaryOp = UNARY_FUNCTIONS[name];
    if (unaryOp !== undefined) return un(unaryOp, arity(1)[0] as Expr);
    const binaryOp = BINARY_FUNCTIONS[name];
    if (binaryOp !== undefined) {
      const [a, b] = arity(2) as [Expr, Expr];
      return bin(binaryOp, a, b);
    }
    if (name === 'noise') return noise(arity(1)[0] as Expr);
    if (name === 'rand') {
      arity(0);
      return rand();
    }
    // choice
    if (argNodes.length === 0) return this.refuse('choice needs at least one option', node);
    return choice(argNodes.map((a) => this.expr(a)));
  }
}

function describeNode(node: Node): string {
  const names: Record<string, string> = {
    AssignmentExpression: 'assignment',
    UpdateExpression: 'increment/decrement',
    ArrowFunctionExpression: 'a function',
    FunctionExpression: 'a function',
    FunctionDeclaration: 'a function declaration',
    ClassExpression: 'a class',
    ClassDeclaration: 'a class',
    NewExpression: '"new"',
    ThisExpression: '"this"',
    TemplateLiteral: 'a template string',
    TaggedTemplateExpression: 'a template string',
    SequenceExpression: 'the comma operator',
    ArrayExpression: 'an array',
    ObjectExpression: 'an object',
    AwaitExpression: '"await"',
    YieldExpression: '"yield"',
    ImportExpression: 'import',
    ChainExpression: 'optional chaining',
    MetaProperty: 'new.target / import.meta',
    VariableDeclaration: 'a declaration',
    IfStatement: 'an if statement',
    BlockStatement: 'a block',
    ReturnStatement: 'return',
    ForStatement: 'a loop',
    WhileStatement: 'a loop',
    ThrowStatement: 'throw',
    TryStatement: 'try',
  };
  return names[node.type] ?? `a ${node.type}`;
}
