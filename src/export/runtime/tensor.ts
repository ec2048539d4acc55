/**
 * The runtime of exported optimizer modules (TypeScript and JavaScript for
 * TensorFlow.js): the rule language's protected operations element-wise on
 * tensors, restating src/grammar/compile-tensor.ts so the exported optimizer
 * takes the steps the campaign measured. test/export/runtime.test.ts runs
 * these functions against the engine's tensor compiler.
 *
 * The generator (src/export/alr-js.ts) copies the text between the @module
 * lines into every module; «…» spans are TypeScript-only, as in scalar.ts.
 */
// @module-begin

import * as tf from '@tensorflow/tfjs';

// ---- runtime: the rule language's tensor semantics (autolr src/grammar/compile-tensor.ts) ----

const c = (v/*«*/: number/*»*/)/*«*/: tf.Tensor/*»*/ => tf.scalar(v, 'float32');

/** a / b, except a / 0 = a (element-wise). */
function pdiv(a/*«*/: tf.Tensor/*»*/, b/*«*/: tf.Tensor/*»*/)/*«*/: tf.Tensor/*»*/ {
  return tf.where(tf.equal(b, c(0)), a, tf.div(a, b));
}

/** Protected power: 0 to a negative power is 1; a negative base with a non-integer exponent uses |a|. */
function ppow(a/*«*/: tf.Tensor/*»*/, b/*«*/: tf.Tensor/*»*/)/*«*/: tf.Tensor/*»*/ {
  const isInteger = tf.equal(tf.floor(b), b);
  const base = tf.where(tf.logicalAnd(tf.less(a, c(0)), tf.logicalNot(isInteger)), tf.neg(a), a);
  return tf.where(tf.logicalAnd(tf.equal(a, c(0)), tf.less(b, c(0))), c(1), tf.pow(base, b));
}

function psqrt(x/*«*/: tf.Tensor/*»*/)/*«*/: tf.Tensor/*»*/ {
  return tf.sqrt(tf.abs(x));
}

/** ln|x|, 0 at x = 0. */
function plog(x/*«*/: tf.Tensor/*»*/)/*«*/: tf.Tensor/*»*/ {
  return tf.where(tf.equal(x, c(0)), c(0), tf.log(tf.abs(x)));
}

function plog10(x/*«*/: tf.Tensor/*»*/)/*«*/: tf.Tensor/*»*/ {
  return tf.div(plog(x), c(Math.LN10));
}

/** Math.sign: NaN and -0 keep their own value. */
function psign(x/*«*/: tf.Tensor/*»*/)/*«*/: tf.Tensor/*»*/ {
  const s = tf.sign(x);
  return tf.where(tf.equal(s, c(0)), x, s);
}

/** min/max that return NaN when either operand is NaN, on every backend. */
function pmin(a/*«*/: tf.Tensor/*»*/, b/*«*/: tf.Tensor/*»*/)/*«*/: tf.Tensor/*»*/ {
  return tf.where(tf.equal(a, a), tf.where(tf.equal(b, b), tf.minimum(a, b), b), a);
}

function pmax(a/*«*/: tf.Tensor/*»*/, b/*«*/: tf.Tensor/*»*/)/*«*/: tf.Tensor/*»*/ {
  return tf.where(tf.equal(a, a), tf.where(tf.equal(b, b), tf.maximum(a, b), b), a);
}
// @module-end

export { c, pdiv, ppow, psqrt, plog, plog10, psign, pmin, pmax };
