/**
 * Behavioural fingerprints: a short digest of what a rule *does* on fixed
 * probes, so the evaluation cache can reuse a score for a rule that acts like
 * one already scored although it is written differently (`lr / 2` and
 * `0.5 * lr`; `lr0 * pow(0.95, epoch)` and `lr * 0.95`; `epoch: lr` and
 * `epoch: lr0`), which the structural hash (`ruleHash`) cannot see.
 *
 * Probes. Dynamic rules run as schedules (`scheduleFromRule`) over signal
 * traces built once below from a fixed seed, with the signals `replayTrace`
 * (what `autolr trace` runs) derives from them: epoch rules over epoch
 * traces, step rules over step traces.
 * They cover decreasing, noisy, plateauing (exactly repeated) and rising
 * losses, first/last minibatch losses in every DLRS branch, accuracies that
 * rise, stall and fall, lr0 of 1e-3, 1e-2 and 0.1, budgets of 12 to 60
 * epochs (so "every 10" and "every 11" epochs part), and steps from 0 to
 * ~1.2e6: a dense start, then a sweep to 40 000 at irregular offsets (so CLR
 * half-cycles of 2000 and 2001 steps part), then a geometric sweep. Step
 * records carry loss changes of both signs and zero, so acceptance
 * clauses are exercised; an epoch rule's acceptance clause (which the trace
 * replay does not evaluate, as it has no steps) is probed with a few
 * tentative steps after each epoch rate, the way the training loop calls it.
 * Rules that draw get a fixed-seed stream per probe, so their fingerprints
 * are deterministic. Adaptive rules run element-wise over 8 fixed gradient
 * sequences (signs mixed, magnitudes 1e-4 to 10, one always zero) for 40
 * steps (0..31, then jumps up to 1e6 so late-step terms show), at lr 1e-3
 * and 0.1. Only their updates are hashed: states act on training only
 * through the updates, and hashing them would keep apart rules that differ
 * only in a state nobody reads.
 *
 * Quantisation: every output is rounded to float32 before hashing. TensorFlow.js
 * trains in float32, so a rate or an update reaches the weights as a float32:
 * two rules whose probe outputs round to the same float32 feed training the
 * same numbers, and any difference float32 can carry is kept (a relative
 * 6e-8, finer than 7 significant digits would keep). Float64 noise from
 * a different spelling (`(1 - 0.9) * g` vs `0.1 * g`) lies far below that; it
 * can split two equivalent rules only by straddling a rounding boundary
 * (about 2^-29 per value), which costs a reuse, never a wrong one. `-0` is
 * read as `0` (no operator of the language tells them apart). Acceptance
 * probabilities are first made effective as the trainer makes them (clamped
 * to [0, 1], NaN as 0), so `accept: 2` and `accept: 1` agree.
 *
 * Invalid outputs: a rate that is not finite (NaN and ±Infinity alike) is
 * token `nf`, one ≤ 0 token `np` — the training loop's two stop reasons
 * `lr-not-finite` and `lr-not-positive`, which reach the score and the report
 * differently, so they stay distinct; since training stops there, the probe
 * stops too and later outputs, which no run would see, do not count. A rate
 * above the cap is kept as a number: the cap is a training option, part of
 * the evaluation context, and collapsing such rates would merge rules that a
 * larger cap tells apart. A non-finite update (or one that overflows float32)
 * is token `nf` and ends that learning rate's probe after the step, since the
 * next loss is then not finite (`loss-not-finite`).
 *
 * Equal fingerprints mean equal behaviour on the probes only: rules that part
 * beyond them (at epoch 1000, say) share a fingerprint. Changing the probes
 * or the encoding changes every fingerprint: bump FINGERPRINT_VERSION, which
 * is hashed in, so saved caches cannot confuse old and new digests.
 */
import { createHash } from 'node:crypto';
import seedrandom from 'seedrandom';
import type { AlrRule, DlrRule, Granularity, Rule } from '../grammar/ast.js';
import { compileScalar } from '../grammar/compile-scalar.js';
import type { AlrElementState } from '../grammar/interpret-alr.js';
import type { RandomSource } from '../grammar/semantics.js';
import { Stream } from '../random/stream.js';
import { decideAcceptance, scheduleFromRule, type Schedule } from '../schedule/schedule.js';
import { replayTrace, validateTrace, type Trace, type TraceRecord } from '../schedule/trace.js';

export const FINGERPRINT_VERSION = 2;

/** First 16 hex digits of the SHA-256 of the rule's behaviour on the probes (see the module comment). */
export function behaviourFingerprint(rule: Rule): string {
  return createHash('sha256').update(behaviourSignature(rule)).digest('hex').slice(0, 16);
}

/**
 * The text that `behaviourFingerprint` hashes: the variant (and a dynamic
 * rule's granularity and acceptance clause), then per probe its name and the
 * quantised outputs. Readable enough to see where two rules part.
 */
export function behaviourSignature(rule: Rule): string {
  const out: string[] = [`fp${FINGERPRINT_VERSION}`];
  if (rule.variant === 'dlr') signDlr(rule, out);
  else signAlr(rule, out);
  return out.join(' ');
}

// ---- quantisation ----

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** The float32 nearest `x`, as its bit pattern in hex; `-0` as `0`. */
function f32(x: number): string {
  F32[0] = x === 0 ? 0 : x;
  return (U32[0] as number).toString(16);
}

const NOT_FINITE = 'nf';
const NOT_POSITIVE = 'np';

function rateToken(lr: number): string {
  if (!Number.isFinite(lr)) return NOT_FINITE;
  if (lr <= 0) return NOT_POSITIVE;
  return f32(lr);
}

function probabilityToken(p: number): string {
  return f32(Number.isNaN(p) ? 0 : Math.min(1, Math.max(0, p)));
}

// ---- probe traces (built once, from a fixed seed) ----

interface Probe {
  readonly name: string;
  readonly trace: Trace;
}

const gen = seedrandom('autolr-fingerprint-probes');
const jitter = (scale: number): number => 1 + scale * (2 * gen() - 1);
const logUniform = (lo: number, hi: number): number => lo * Math.pow(hi / lo, gen());
const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

/** Minibatch losses spread around `mean`, in the shape DLRS's three branches read. */
function spread(mean: number, shape: 'falling' | 'flat-ish' | 'jump', n: number): number[] {
  const ends = { falling: [1.3, 0.7], 'flat-ish': [0.97, 1.03], jump: [0.2, 2.6] }[shape] as [number, number];
  return Array.from({ length: n }, (_, i) => mean * (ends[0] + ((ends[1] - ends[0]) * i) / Math.max(1, n - 1)) * jitter(0.01));
}

function epochProbe(name: string, lr0: number, epochs: number, stepsPerEpoch: number, record: (k: number) => TraceRecord): Probe {
  // Record k is completed epoch k and gives the rate for epoch k + 1, so the
  // last useful record is epochs − 2.
  const records = Array.from({ length: epochs - 1 }, (_, k) => record(k));
  return { name, trace: validateTrace({ granularity: 'epoch', lr0, epochs, steps_per_epoch: stepsPerEpoch, records }) };
}

const EPOCH_PROBES: readonly Probe[] = [
  epochProbe('decreasing', 1e-2, 40, 100, (k) => ({
    batch_losses: spread((2.3 * Math.exp(-k / 10) + 0.05) * jitter(0.03), 'falling', 4),
    acc: clamp01(0.1 + 0.85 * (1 - Math.exp(-k / 8)) + 0.01 * (2 * gen() - 1)),
  })),
  // Exactly repeated losses and accuracies, so `loss == loss_prev` and
  // `acc - acc_prev == 0` branches are taken; then divergence.
  epochProbe('plateau-rise', 0.1, 60, 391, (k) => {
    if (k >= 20 && k < 35) return { batch_losses: [0.4, 0.4, 0.4], acc: 0.8 };
    const mean = k < 20 ? (1 - 0.03 * k) * jitter(0.02) : 0.4 * Math.pow(1.05, k - 34);
    return { batch_losses: spread(mean, k % 2 === 0 ? 'flat-ish' : 'falling', 3), acc: k < 20 ? 0.3 + 0.025 * k : 0.8 - 0.02 * (k - 34) };
  }),
  // A short budget with wild swings; every third epoch's last minibatch loss
  // jumps above the first by more than the mean.
  epochProbe('noisy-short', 1e-3, 12, 7, (k) => ({
    batch_losses: spread(logUniform(0.05, 5), (['jump', 'flat-ish', 'falling'] as const)[k % 3] ?? 'falling', 3),
    acc: k % 4 === 1 ? 0.5 : gen(),
  })),
  epochProbe('diverging', 1e-2, 31, 1, (k) => ({ batch_losses: [0.5 * Math.pow(1.2, k)], acc: clamp01(0.9 - 0.027 * k) })),
];

interface EpochSummary {
  readonly loss: number;
  readonly loss_first: number;
  readonly loss_last: number;
  readonly acc: number;
}

/** Loss changes of tentative steps: zero, and both signs from 1e-5 to 3. */
function dlossAt(i: number, positiveBias = 0.5): number {
  if (i % 8 === 0) return 0;
  return (gen() < positiveBias ? 1 : -1) * logUniform(1e-5, 3);
}

function stepProbe(
  name: string,
  lr0: number,
  epochs: number,
  stepsPerEpoch: number,
  steps: readonly number[],
  summary: (epoch: number) => EpochSummary,
  batchLoss: (step: number) => number,
  positiveBias?: number,
): Probe {
  const zero: EpochSummary = { loss: 0, loss_first: 0, loss_last: 0, acc: 0 };
  const records = steps.map((step, i): TraceRecord => {
    const epoch = Math.floor(step / stepsPerEpoch);
    // A step sees the last *completed* epoch, nothing before the first ends.
    const seen = epoch === 0 ? zero : summary(epoch - 1);
    return { step, ...seen, batch_loss: batchLoss(step), dloss: dlossAt(i, positiveBias) };
  });
  return { name, trace: validateTrace({ granularity: 'step', lr0, epochs, steps_per_epoch: stepsPerEpoch, records }) };
}

function memo<T>(f: (k: number) => T): (k: number) => T {
  const seen = new Map<number, T>();
  return (k) => {
    let v = seen.get(k);
    if (v === undefined) {
      v = f(k);
      seen.set(k, v);
    }
    return v;
  };
}

function denseProbe(): Probe {
  const steps = Array.from({ length: 300 }, (_, s) => s);
  const losses = steps.map((s) => (2.3 * Math.exp(-s / 150) + 0.1) * jitter(0.1));
  const summary = memo((e: number): EpochSummary => {
    const part = losses.slice(e * 50, e * 50 + 50);
    return {
      loss: part.reduce((a, b) => a + b, 0) / part.length,
      loss_first: part[0] as number,
      loss_last: part[part.length - 1] as number,
      acc: 0.1 + 0.12 * e,
    };
  });
  return stepProbe('dense', 1e-2, 20, 50, steps, summary, (s) => losses[s] as number);
}

function sweepProbe(): Probe {
  // Round steps and irregular ones between them, up to 40 000 (CLR cycles
  // are a few thousand steps long).
  const steps: number[] = [];
  for (let k = 0; k <= 160; k++) {
    steps.push(250 * k);
    if (k < 160) steps.push(250 * k + 1 + Math.floor(gen() * 248));
  }
  const summary = memo(
    (e: number): EpochSummary => {
      const loss = (2 * Math.exp(-e / 30) + 0.2) * jitter(0.05);
      return { loss, loss_first: loss * 1.1, loss_last: loss * 0.9, acc: e < 70 ? 0.2 + 0.01 * e : 0.9 - 0.01 * (e - 70) };
    },
  );
  return stepProbe('sweep', 1e-3, 110, 391, steps, summary, (s) => summary(Math.floor(s / 391)).loss * jitter(0.2));
}

function geometricProbe(): Probe {
  const steps: number[] = [];
  for (let s = 0; s < 1.2e6; s = Math.max(s + 1, Math.floor(s * 1.3))) steps.push(s);
  const summary = memo((e: number): EpochSummary => {
    const loss = 0.3 + 0.5 * Math.log1p(e);
    return { loss, loss_first: loss * 0.95, loss_last: loss * 1.08, acc: 0.9 / (1 + Math.log1p(e) / 3) };
  });
  return stepProbe('geometric', 0.1, 175_000, 7, steps, summary, (s) => summary(Math.floor(s / 7)).loss * jitter(0.3), 0.75);
}

const STEP_PROBES: readonly Probe[] = [denseProbe(), sweepProbe(), geometricProbe()];

// ---- dynamic rules ----

/** A probe trace with the signals `replayTrace` derives for each record, captured once. */
interface PreparedProbe extends Probe {
  /** Per record, every signal but `lr` (the one the rule feeds back), which the replay below writes in. */
  readonly signals: ReadonlyArray<Record<string, number>>;
}

/**
 * What replayTrace hands a schedule at each record does not depend on the
 * rule except through `lr`, so a spy schedule captures it once; each
 * fingerprint then runs only the rule. This keeps replayTrace's signal
 * derivations (one definition) without its per-record bookkeeping, which
 * grows with records × epochs and dominated the fingerprint's time.
 */
function prepare(probe: Probe): PreparedProbe {
  const signals: Array<Record<string, number>> = [];
  const spy: Schedule = {
    granularity: probe.trace.granularity,
    hasAcceptance: false,
    rate(s) {
      signals.push({ ...s });
      return probe.trace.lr0;
    },
    acceptance() {
      throw new Error('unreachable: the spy has no acceptance clause');
    },
  };
  replayTrace(spy, probe.trace, { uniform: () => 0 });
  return { ...probe, signals };
}

const DLR_PROBES: Readonly<Record<Granularity, readonly PreparedProbe[]>> = {
  epoch: EPOCH_PROBES.map(prepare),
  step: STEP_PROBES.map(prepare),
};

/** The probe traces of one granularity, for tools and tests that replay a rule themselves. */
export function probeTraces(granularity: Granularity): ReadonlyArray<{ readonly name: string; readonly trace: Trace }> {
  return DLR_PROBES[granularity].map(({ name, trace }) => ({ name, trace }));
}

/** The random stream a rule draws from on one probe: fixed, so random rules fingerprint deterministically. */
export function probeStream(probe: string): RandomSource {
  return new Stream(`autolr-fingerprint-rule:${probe}`);
}

/** Loss changes of the tentative steps probed after each epoch rate (three per epoch, rotating). */
const EPOCH_ACCEPT_DLOSS: readonly number[] = [-0.5, 0.02, 0, 2, -1e-3, 1e-4, 0.3, -0.05, 5e-3];
const EPOCH_ACCEPT_PER_EPOCH = 3;

/** A dynamic rule's raw outputs on one probe, before quantisation. */
export interface ProbeOutputs {
  readonly probe: string;
  /** One rate per record, up to and including the first that would stop training. */
  readonly rates: number[];
  /** Acceptance probabilities in the order asked (rules with an acceptance clause). */
  readonly acceptance: number[];
  /** Whether a rate would have stopped training (the probe ends there). */
  stopped: boolean;
}

function stops(lr: number): boolean {
  return !Number.isFinite(lr) || lr <= 0;
}

/**
 * Replays a dynamic rule over its granularity's probes as `replayTrace`
 * would (rate from the previous rate; for step rules with an acceptance
 * clause, the probability at the new rate, then one decision draw), except
 * that a probe ends at a rate that would stop training. An epoch rule's
 * acceptance clause is asked as the training loop asks it: at steps of the
 * epoch after the rate, each answer followed by its decision draw.
 */
export function probeDlr(rule: DlrRule): ProbeOutputs[] {
  const schedule = scheduleFromRule(rule);
  const perStep = rule.granularity === 'step';
  return DLR_PROBES[rule.granularity].map((probe) => {
    const rng = probeStream(probe.name);
    const out: ProbeOutputs = { probe: probe.name, rates: [], acceptance: [], stopped: false };
    let lr = probe.trace.lr0;
    for (const signals of probe.signals) {
      signals.lr = lr;
      const next = schedule.rate(signals, rng);
      out.rates.push(next);
      if (stops(next)) {
        out.stopped = true;
        break;
      }
      if (schedule.hasAcceptance) {
        if (perStep) {
          signals.lr = next;
          const p = schedule.acceptance(signals, rng);
          out.acceptance.push(p);
          decideAcceptance(p, rng);
        } else {
          const epoch = signals.epoch as number;
          for (let i = 0; i < EPOCH_ACCEPT_PER_EPOCH; i++) {
            const dloss = EPOCH_ACCEPT_DLOSS[(epoch * EPOCH_ACCEPT_PER_EPOCH + i) % EPOCH_ACCEPT_DLOSS.length] as number;
            const p = schedule.acceptance({ ...signals, lr: next, step: (signals.step as number) + i, dloss }, rng);
            out.acceptance.push(p);
            decideAcceptance(p, rng);
          }
        }
      }
      lr = next;
    }
    return out;
  });
}

function signDlr(rule: DlrRule, out: string[]): void {
  const outputs = probeDlr(rule);
  if (holdsLr0(rule, outputs)) {
    out.push('dlr.lr0');
    return;
  }
  out.push(`dlr.${rule.granularity}${rule.accept ? '+accept' : ''}`);
  for (const probe of outputs) {
    out.push(`@${probe.probe}`);
    for (const lr of probe.rates) out.push(rateToken(lr));
    if (probe.acceptance.length > 0) out.push('accept');
    for (const p of probe.acceptance) out.push(probabilityToken(p));
  }
}

/**
 * Whether a rule trains at lr0 throughout: no acceptance clause and lr0 (as
 * float32) at every record of every probe. Granularity is then moot — an
 * epoch rule's first epoch runs at lr0 by definition and a step rule's every
 * step does — so `epoch: lr0` and `step: lr0 · min(1, max(0, 3.17))` share a
 * fingerprint, where their probes (epoch traces against step traces) would
 * keep them apart. Only lr0 itself merges: `epoch: 0.5 · lr0` still runs its
 * first epoch at lr0, unlike `step: 0.5 · lr0`.
 */
function holdsLr0(rule: DlrRule, outputs: readonly ProbeOutputs[]): boolean {
  if (rule.accept) return false;
  return DLR_PROBES[rule.granularity].every((probe, i) => {
    const rates = outputs[i]?.rates ?? [];
    const lr0 = f32(probe.trace.lr0);
    return rates.length === probe.signals.length && rates.every((lr) => rateToken(lr) === lr0);
  });
}

// ---- adaptive rules ----

/** One element's step of an adaptive rule: advances `state` in place, returns the update. */
export type AlrStepper = (state: AlrElementState, grad: number, lr: number, step: number) => number;

/**
 * `interpretAlrStep` on compiled closures (same order, same scopes: a part
 * reading a state it may not see throws, as in the interpreter), for speed.
 */
export function compileAlrStep(rule: AlrRule): AlrStepper {
  const alpha = compileScalar(rule.alpha);
  const beta = compileScalar(rule.beta);
  const sigma = compileScalar(rule.sigma);
  const update = compileScalar(rule.update);
  // One signals object per part, refilled at every call: allocating four per
  // element step was most of the probe's garbage. Each holds only its part's
  // scope, so an out-of-scope read still throws.
  const a = { grad: 0, lr: 0, step: 0, alpha: 0 };
  const b = { grad: 0, lr: 0, step: 0, alpha: 0, beta: 0 };
  const c = { grad: 0, lr: 0, step: 0, alpha: 0, beta: 0, sigma: 0 };
  const u = { grad: 0, lr: 0, step: 0, alpha: 0, beta: 0, sigma: 0 };
  return (state, grad, lr, step) => {
    a.grad = b.grad = c.grad = u.grad = grad;
    a.lr = b.lr = c.lr = u.lr = lr;
    a.step = b.step = c.step = u.step = step;
    a.alpha = state.alpha;
    state.alpha = alpha(a);
    b.alpha = state.alpha;
    b.beta = state.beta;
    state.beta = beta(b);
    c.alpha = state.alpha;
    c.beta = state.beta;
    c.sigma = state.sigma;
    state.sigma = sigma(c);
    u.alpha = state.alpha;
    u.beta = state.beta;
    u.sigma = state.sigma;
    return update(u);
  };
}

/** `step` at each probe step: consecutive from 0, then jumps so terms in large steps show. */
const ALR_STEPS: readonly number[] = [...Array.from({ length: 32 }, (_, t) => t), 100, 1000, 1001, 10_000, 10_001, 100_000, 1_000_000, 1_000_001];
const ALR_LRS: readonly number[] = [1e-3, 0.1];

function normal(): number {
  return Math.sqrt(-2 * Math.log(1 - gen())) * Math.cos(2 * Math.PI * gen());
}

/** Gradient sequences, one per probe element, indexed by probe step. */
const ALR_GRADS: ReadonlyArray<readonly number[]> = (() => {
  const n = ALR_STEPS.length;
  const seq = (f: (t: number) => number): number[] => Array.from({ length: n }, (_, t) => f(t));
  return [
    seq(() => 1e-4),
    seq((t) => (t % 2 === 0 ? 1e-2 : -1e-2)),
    seq((t) => 10 * Math.pow(0.7, t)),
    seq(() => 0),
    seq(() => normal()),
    seq((t) => (t % 3 === 0 ? -1 : 1) * 1e-4 * Math.pow(10, (5 * t) / (n - 1))),
    seq((t) => (t % 5 === 2 ? 0 : -0.5)),
    seq(() => (gen() < 0.5 ? -1 : 1) * logUniform(1e-4, 10)),
  ];
})();

function signAlr(rule: AlrRule, out: string[]): void {
  const stepper = compileAlrStep(rule);
  out.push('alr');
  for (const lr of ALR_LRS) {
    out.push(`@lr=${lr}`);
    const states = ALR_GRADS.map((): AlrElementState => ({ alpha: 0, beta: 0, sigma: 0 }));
    for (let t = 0; t < ALR_STEPS.length; t++) {
      const step = ALR_STEPS[t] as number;
      let diverged = false;
      for (let e = 0; e < ALR_GRADS.length; e++) {
        const update = Math.fround(stepper(states[e] as AlrElementState, (ALR_GRADS[e] as readonly number[])[t] as number, lr, step));
        if (Number.isFinite(update)) out.push(f32(update));
        else {
          out.push(NOT_FINITE);
          diverged = true;
        }
      }
      if (diverged) break;
    }
  }
}
