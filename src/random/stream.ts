/**
 * Seeded random streams: every random choice of the engine comes from one,
 * named by its purpose. Their state can be saved in a checkpoint and restored: a resumed campaign must draw exactly the numbers an
 * uninterrupted one would have drawn, so the stream's position is part of the
 * campaign's state, not something re-derived from the seed.
 *
 * ARC4 (seedrandom's default) keeps its whole state in {i, j, S[256]}, which is
 * small plain data and survives a JSON round trip unchanged.
 */
import seedrandom from 'seedrandom';
import { drawNormal, type RandomSource } from '../grammar/semantics.js';

/** seedrandom's ARC4 state: plain JSON data. */
export interface StreamState {
  readonly i: number;
  readonly j: number;
  readonly S: readonly number[];
}

export class Stream implements RandomSource {
  /** The seed it was created from, kept so a restored stream can be matched against its origin. */
  readonly seed: string;
  private readonly prng: seedrandom.StatefulPRNG<seedrandom.State.Arc4>;

  /** A fresh stream from `seed`, or, with `state`, the stream exactly where that state was saved. */
  constructor(seed: string, state?: object) {
    this.seed = seed;
    this.prng =
      state === undefined
        ? seedrandom(seed, { state: true })
        : // The seed is ignored when a state is given: seedrandom copies the state over the fresh key schedule.
          seedrandom(seed, { state: checkState(state) as seedrandom.State.Arc4 });
  }

  uniform(): number {
    return this.prng();
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`Stream.int needs a positive integer bound, not ${n}`);
    // min() guards the (theoretical) rounding of u·n up to n for u just below 1.
    return Math.min(n - 1, Math.floor(this.prng() * n));
  }

  /** A standard normal draw; always exactly two uniform draws (Box–Muller), so streams stay aligned. */
  normal(): number {
    return drawNormal(this);
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new RangeError('Stream.pick needs a non-empty list');
    return xs[this.int(xs.length)] as T;
  }

  /** A copy of the current state: `new Stream(seed, s)` continues from here. */
  state(): StreamState {
    const s = this.prng.state();
    return { i: s.i, j: s.j, S: [...s.S] };
  }
}

/**
 * A named sub-stream of a campaign seed, so that one purpose drawing more
 * never shifts another's numbers (the evaluator derives its streams the same
 * way: `${seed}:${purpose}`).
 */
export function deriveStream(master: string, purpose: string): Stream {
  return new Stream(`${master}:${purpose}`);
}

/**
 * Checkpoints are files a user can edit or truncate; a malformed state would
 * otherwise make seedrandom silently produce a different (or NaN) sequence.
 */
function checkState(state: object): StreamState {
  const s = state as Partial<Record<string, unknown>>;
  const byte = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 256;
  if (!byte(s.i) || !byte(s.j) || !Array.isArray(s.S) || s.S.length !== 256 || !s.S.every(byte)) {
    throw new TypeError('not a saved random-stream state (expected {i, j, S} with S a list of 256 bytes)');
  }
  return s as unknown as StreamState;
}
