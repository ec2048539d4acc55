/**
 * sin and cos of float32 arrays, in JS, for the Sin and Cos kernels. WHY: the
 * wasm backend's Sin/Cos go through a libm compiled to wasm (plus a
 * workaround for an old iOS bug) and measured ~55 ns per element on tfjs
 * 4.22, more than twice V8's Math.sin; a PINN with sin/cos activations and
 * nested gradients evaluates them on every hidden unit several times a step.
 *
 * Here: x = k·π/2 + r by Cody–Waite reduction in double precision, then
 * Taylor polynomials on |r| ≤ π/4 (truncation error < 1e-11), so the float32
 * result is the correctly rounded value or one ulp from it, as is the cpu
 * backend's Math.sin rounded to float32. Arguments too large for the
 * two-part reduction (|x| ≥ 2^19·π/2) and non-finite ones take
 * Math.sin/Math.cos. The shape of the code is tuned for V8, as the notes
 * below say.
 */

const TWO_OVER_PI = 0.6366197723675814;
/** π/2 = PIO2_HI + PIO2_LO, PIO2_HI with 33 significant bits so k·PIO2_HI is exact for |k| < 2^20 (fdlibm's pio2_1, pio2_1t). */
const PIO2_HI = 1.5707963267341256;
const PIO2_LO = 6.077100506506192e-11;
const LIMIT = 823550; // < 2^19 · π/2
/**
 * Adding and subtracting 1.5·2^52 rounds a double of magnitude < 2^51 to the
 * nearest integer. Math.round measured ~10 ns a call here (V8 did not inline
 * it on this machine), more than the polynomials.
 */
const ROUNDER = 6755399441055744;
/**
 * sin(k·π/2 + r) = SIN_Q[k mod 4]·cos r + COS_Q[k mod 4]·sin r: both
 * polynomials and a table lookup rather than a branch on the quadrant,
 * which mispredicts on random arguments.
 */
const SIN_Q = new Float64Array([0, 1, 0, -1]);
const COS_Q = new Float64Array([1, 0, -1, 0]);

/**
 * sin(x) for shift 0, cos(x) = sin(x + π/2) for shift 1. The main loop has
 * no branch and no call (a Math.sin fallback inside it measured ~30% slower
 * even when never taken); arguments it cannot reduce are redone afterwards.
 */
function sinShifted(x: Float32Array, out: Float32Array, shift: number): void {
  let largest = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    largest = Math.max(largest, Math.abs(v));
    const k = v * TWO_OVER_PI + ROUNDER - ROUNDER;
    const r = v - k * PIO2_HI - k * PIO2_LO;
    const z = r * r;
    const s = r + r * z * (-1 / 6 + z * (1 / 120 + z * (-1 / 5040 + z * (1 / 362880 + z * (-1 / 39916800 + z * (1 / 6227020800))))));
    const c = 1 + z * (-1 / 2 + z * (1 / 24 + z * (-1 / 720 + z * (1 / 40320 + z * (-1 / 3628800 + z * (1 / 479001600))))));
    const q = (k + shift) & 3;
    out[i] = SIN_Q[q]! * c + COS_Q[q]! * s;
  }
  if (largest < LIMIT) return;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!(Math.abs(v) < LIMIT)) out[i] = shift === 0 ? Math.sin(v) : Math.cos(v);
  }
}

export function sinInto(x: Float32Array, out: Float32Array): void {
  sinShifted(x, out, 0);
}

export function cosInto(x: Float32Array, out: Float32Array): void {
  sinShifted(x, out, 1);
}
