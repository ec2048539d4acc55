/**
 * Dynamic (schedule) rule → a dependency-free TypeScript or JavaScript module
 * for TensorFlow.js: `schedule(signals, rng)`, `acceptance(signals, rng)` when
 * the rule has an acceptance clause, a small runtime restating `semantics.ts`
 * exactly, and `createLrCallback(optimizer, options)` returning a tfjs
 * `CustomCallback` config that drives the optimizer's rate.
 *
 * Both variants come from one template: text between « and » is a type
 * annotation (or a TS-only declaration) kept for TypeScript and dropped for
 * JavaScript.
 */
import type { BinaryOp, CompareOp, DlrRule, Expr, Rule, UnaryOp } from '../grammar/ast.js';
import { formatHeader, signalsRead, type ExportInfo } from './header.js';
import { InputError } from '../errors.js';

const SAFE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const UNARY_JS: Record<Exclude<UnaryOp, 'neg'>, string> = {
  abs: 'Math.abs',
  sqrt: 'psqrt',
  square: 'square',
  exp: 'Math.exp',
  log: 'plog',
  log10: 'plog10',
  floor: 'Math.floor',
  sign: 'Math.sign',
  sin: 'Math.sin',
  cos: 'Math.cos',
  tanh: 'Math.tanh',
  sigmoid: 'sigmoid',
};
const BINARY_JS: Record<BinaryOp, string> = { add: '+', sub: '-', mul: '*', div: 'pdiv', pow: 'ppow', min: 'Math.min', max: 'Math.max' };
const COMPARE_JS: Record<CompareOp, string> = { lt: '<', le: '<=', gt: '>', ge: '>=', eq: '===', ne: '!==' };

/** A JavaScript literal for a double; negatives parenthesised. */
export function jsNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '(-Infinity)';
  if (Object.is(v, -0)) return '(-0)';
  const s = String(v);
  return v < 0 ? `(${s})` : s;
}

/**
 * An expression as JavaScript (also valid TypeScript). Every compound node is
 * parenthesised or a call; operands evaluate left to right, a conditional
 * evaluates its test then only the taken branch, and `choice` draws its index
 * before evaluating the chosen option, all as `interpret` does.
 */
export function printJsExpr(e: Expr, signals = 's'): string {
  const p = (x: Expr): string => printJsExpr(x, signals);
  switch (e.kind) {
    case 'const':
      return jsNumber(e.value);
    case 'signal':
      if (!SAFE_NAME.test(e.name)) throw new Error(`invalid signal name ${JSON.stringify(e.name)}`);
      return `${signals}.${e.name}`;
    case 'unary':
      return e.op === 'neg' ? `(-${p(e.arg)})` : `${UNARY_JS[e.op]}(${p(e.arg)})`;
    case 'binary': {
      const f = BINARY_JS[e.op];
      return e.op === 'add' || e.op === 'sub' || e.op === 'mul' ? `(${p(e.left)} ${f} ${p(e.right)})` : `${f}(${p(e.left)}, ${p(e.right)})`;
    }
    case 'cond':
      return `(${p(e.left)} ${COMPARE_JS[e.op]} ${p(e.right)} ? ${p(e.then)} : ${p(e.otherwise)})`;
    case 'choice':
      return `choice(rng, [${e.options.map((o) => `() => ${p(o)}`).join(', ')}])`;
    case 'noise':
      return `noise(rng, ${p(e.sigma)})`;
    case 'rand':
      return 'rng()';
  }
}

/** Thrown for rules an exporter cannot handle. */
export class ExportError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

export function requireDlr(rule: Rule): DlrRule {
  if (rule.variant !== 'dlr') {
    throw new ExportError('this generator writes schedule (dlr) rules; adaptive (alr) rules are exported as optimizers by alr-js.ts and alr-python.ts');
  }
  return rule;
}

const RUNTIME = `
// ---- runtime: the rule language's semantics (autolr src/grammar/semantics.ts) ----

«/** A uniform random source in [0, 1): Math.random or seededRandom(seed). */
export type Rng = () => number;
»
«/** Signals a rule reads; see the header for their definitions. */
export interface Signals {
  epoch: number;
  epochs: number;
  step: number;
  steps_per_epoch: number;
  lr: number;
  lr0: number;
  loss: number;
  loss_prev: number;
  loss_first: number;
  loss_last: number;
  loss_best: number;
  acc: number;
  acc_prev: number;
  batch_loss: number;
  dloss?: number;
}
»
/** a / b, except a / 0 = a. */
function pdiv(a«: number», b«: number»)«: number» {
  return b === 0 ? a : a / b;
}

/** Protected power: 0 to a negative power is 1; a negative base with a non-integer exponent uses |a|. */
function ppow(a«: number», b«: number»)«: number» {
  if (a === 0 && b < 0) return 1;
  if (a < 0 && !Number.isInteger(b)) return Math.pow(-a, b);
  return Math.pow(a, b);
}

function psqrt(x«: number»)«: number» {
  return Math.sqrt(Math.abs(x));
}

function plog(x«: number»)«: number» {
  return x === 0 ? 0 : Math.log(Math.abs(x));
}

function plog10(x«: number»)«: number» {
  return x === 0 ? 0 : Math.log10(Math.abs(x));
}

function sigmoid(x«: number»)«: number» {
  return 1 / (1 + Math.exp(-x));
}

function square(x«: number»)«: number» {
  return x * x;
}

/** One uniform draw picks an option; only that option is evaluated. */
function choice(rng«: Rng», options«: ReadonlyArray<() => number>»)«: number» {
  const i = Math.min(options.length - 1, Math.floor(rng() * options.length));
  return (options[i]«as () => number»)();
}

/** sigma times a standard normal draw (Box–Muller: exactly two uniform draws). */
function noise(rng«: Rng», sigma«: number»)«: number» {
  const u1 = rng();
  const u2 = rng();
  return sigma * (Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
}

/** A small seeded uniform source (mulberry32), for reproducible random rules. */
export function seededRandom(seed«: number»)«: Rng» {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
`;

const CALLBACK = `
// ---- TensorFlow.js callback ----

«export interface LrCallbackOptions {
  /** Initial rate; default: the optimizer's current rate. */
  lr0?: number;
  /** Number of epochs of the run (the rule's \`epochs\` signal). */
  epochs?: number;
  /** Minibatches per epoch; default: counted during the first epoch. */
  stepsPerEpoch?: number;
  /** Random source for choice/noise/rand: a seed, or a function; default Math.random. */
  seed?: number;
  rng?: Rng;
  /** Called with every rate set. */
  onRate?: (lr: number, epoch: number, step: number) => void;
}

export interface LrCallback {
  onEpochBegin(epoch: number, logs?: Record<string, unknown>): void;
  onEpochEnd(epoch: number, logs?: Record<string, unknown>): void;
  onBatchBegin(batch: number, logs?: Record<string, unknown>): void;
  onBatchEnd(batch: number, logs?: Record<string, unknown>): void;
  /** The signals as they stand now. */
  signals(): Signals;
}

interface LrTarget {
  learningRate?: unknown;
  setLearningRate?: (lr: number) => void;
}
»
function logNumber(logs«: Record<string, unknown> | undefined», ...keys«: string[]»)«: number | undefined» {
  for (const k of keys) {
    const v = logs?.[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

/**
 * A tfjs callback config (pass it in model.fit's callbacks, or to new tf.CustomCallback)
 * that sets the optimizer's rate from the rule: SGD and Momentum through
 * setLearningRate, Adam and the others through their learningRate field.
 * Losses come from batch logs (\`loss\`), accuracy from epoch logs (\`acc\` or \`accuracy\`).
 */
export function createLrCallback(optimizer«: object», options«: LrCallbackOptions» = {})«: LrCallback» {
  const target = optimizer «as LrTarget»;
  const current = typeof target.learningRate === 'number' ? target.learningRate : undefined;
  const lr0 = options.lr0 ?? current;
  if (lr0 === undefined || !Number.isFinite(lr0)) throw new Error('createLrCallback: give options.lr0 (the optimizer has no readable learningRate)');
  __EPOCHS_CHECK__
  const rng = options.rng ?? (options.seed !== undefined ? seededRandom(options.seed) : Math.random);
  const s«: Signals» = {
    epoch: 0,
    epochs: options.epochs ?? 0,
    step: 0,
    steps_per_epoch: options.stepsPerEpoch ?? 1,
    lr: lr0,
    lr0,
    loss: 0,
    loss_prev: 0,
    loss_first: 0,
    loss_last: 0,
    loss_best: 0,
    acc: 0,
    acc_prev: 0,
    batch_loss: 0,
  };
  let batchLosses«: number[]» = [];
  let epochsDone = 0;
  const setRate = (lr«: number»)«: void» => {
    if (typeof target.setLearningRate === 'function') target.setLearningRate(lr);
    else target.learningRate = lr;
    s.lr = lr;
    options.onRate?.(lr, s.epoch, s.step);
  };
  return {
    onEpochBegin(epoch«: number»)«: void» {
      s.epoch = epoch;
      __ON_EPOCH_BEGIN__
    },
    onEpochEnd(_epoch«: number», logs«?: Record<string, unknown>»)«: void» {
      if (batchLosses.length > 0) {
        const mean = batchLosses.reduce((a, b) => a + b, 0) / batchLosses.length;
        s.loss_prev = epochsDone === 0 ? mean : s.loss;
        s.loss = mean;
        s.loss_first = batchLosses[0] «as number»;
        s.loss_last = batchLosses[batchLosses.length - 1] «as number»;
        s.loss_best = epochsDone === 0 ? mean : Math.min(s.loss_best, mean);
        if (options.stepsPerEpoch === undefined) s.steps_per_epoch = batchLosses.length;
      }
      const acc = logNumber(logs, 'acc', 'accuracy');
      if (acc !== undefined) {
        s.acc_prev = epochsDone === 0 ? acc : s.acc;
        s.acc = acc;
      }
      epochsDone++;
      batchLosses = [];
    },
    onBatchBegin(_batch«: number»)«: void» {
      __ON_BATCH_BEGIN__
    },
    onBatchEnd(_batch«: number», logs«?: Record<string, unknown>»)«: void» {
      const loss = logNumber(logs, 'loss');
      if (loss !== undefined) {
        batchLosses.push(loss);
        s.batch_loss = loss;
      }
      s.step++;
    },
    signals()«: Signals» {
      return { ...s };
    },
  };
}
`;

export function applyTemplate(template: string, typed: boolean): string {
  return template.replace(/«([\s\S]*?)»/g, (_m, inner: string) => (typed ? inner : ''));
}

/**
 * The module text for a dynamic rule. `format` 'ts' keeps the type annotations,
 * 'js' is the same code without them.
 */
export function generateJs(rule: Rule, info: ExportInfo, format: 'ts' | 'js'): string {
  const dlr = requireDlr(rule);
  const typed = format === 'ts';
  const reads = signalsRead(dlr);
  const parts: string[] = [];
  parts.push(formatHeader(dlr, info, format === 'ts' ? 'TypeScript, TensorFlow.js' : 'JavaScript, TensorFlow.js', 'js'));
  parts.push('/* eslint-disable */');
  parts.push(applyTemplate(RUNTIME, typed));
  parts.push('// ---- the rule ----\n');
  parts.push(`/** When the rule runs: 'epoch' (each epoch from epoch 1) or 'step' (before every step). */`);
  parts.push(`export const granularity${typed ? `: 'epoch' | 'step'` : ''} = ${JSON.stringify(dlr.granularity)};`);
  parts.push(`export const ruleText = ${JSON.stringify(info.text)};`);
  parts.push(`export const signalsRead = ${JSON.stringify(reads)};\n`);
  parts.push(
    applyTemplate(
      `/** The learning rate for the coming ${dlr.granularity}. */\nexport function schedule(s«: Signals», rng«: Rng» = Math.random)«: number» {\n  return ${printJsExpr(dlr.lr)};\n}\n`,
      typed,
    ),
  );
  if (dlr.accept) {
    parts.push(
      applyTemplate(
        `/** Probability of keeping a tentative step (clamp to [0, 1]); s.dloss is the loss change it caused. */\nexport function acceptance(s«: Signals & { dloss: number }», rng«: Rng» = Math.random)«: number» {\n  return ${printJsExpr(dlr.accept)};\n}\n`,
        typed,
      ),
    );
  }
  const epochsCheck = reads.includes('epochs')
    ? "if (options.epochs === undefined) throw new Error('createLrCallback: this rule reads epochs; give options.epochs');"
    : '';
  const epochBegin =
    dlr.granularity === 'epoch'
      ? 'setRate(epoch === 0 ? lr0 : schedule(s, rng));'
      : '// step rule: the rate is set before every batch';
  const batchBegin = dlr.granularity === 'step' ? 'setRate(schedule(s, rng));' : '// epoch rule: the rate is set at each epoch';
  parts.push(
    applyTemplate(CALLBACK, typed)
      .replace('__EPOCHS_CHECK__', epochsCheck)
      .replace('__ON_EPOCH_BEGIN__', epochBegin)
      .replace('__ON_BATCH_BEGIN__', batchBegin),
  );
  return parts.join('\n');
}
