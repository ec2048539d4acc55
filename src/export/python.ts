/**
 * Dynamic (schedule) rule → a Python module: `rate(s, rng)` (and
 * `acceptance(s, rng)`) over a dict of float signals, a `SignalTracker` that
 * keeps the loss/accuracy history the way autolr defines it, a Keras
 * `schedule(epoch, lr)` when the rule reads only epoch/epochs/lr/lr0, a
 * `RuleSchedule` class with `step(...)` otherwise (in the manner of
 * ReduceLROnPlateau.step(metrics)), and a PyTorch `LRScheduler` subclass,
 * defined only when torch imports. Only the rule's constants and rate
 * functions are written here; the rest is inlined from runtime files: the
 * helpers (`runtime/scalar.py`), the tracker (`runtime/signal_tracker.py`),
 * the Keras function (`runtime/keras_schedule.py`) and the two schedule
 * classes (`runtime/schedule.py`, which branch on GRANULARITY).
 */
import type { Rule } from '../grammar/ast.js';
import { printPythonExpr } from '../grammar/printer-python.js';
import { formatHeader, signalsRead, type ExportInfo } from './header.js';
import { requireDlr, type ExportTarget } from './target.js';
import { runtimeText, type RuntimeFile } from './template.js';

const KERAS_SIGNALS = new Set(['epoch', 'epochs', 'lr', 'lr0']);

function rateFunctions(rule: ReturnType<typeof requireDlr>): string {
  const sig = (n: string): string => `s["${n}"]`;
  let text = `

def rate(s, rng=random):
    """The learning rate for the coming ${rule.granularity}; s maps signal names to floats."""
    return ${printPythonExpr(rule.lr, sig)}
`;
  if (rule.accept) {
    text += `

def acceptance(s, rng=random):
    """Probability of keeping a tentative step (clamp to [0, 1]); s["dloss"] is the loss change it caused."""
    return ${printPythonExpr(rule.accept, sig)}
`;
  }
  return text;
}

export function generatePython(rule: Rule, info: ExportInfo): string {
  const dlr = requireDlr(rule);
  const reads = signalsRead(dlr);
  const keras = dlr.granularity === 'epoch' && reads.every((n) => KERAS_SIGNALS.has(n));
  const after: RuntimeFile[] = ['signal_tracker.py', ...(keras ? (['keras_schedule.py'] as const) : []), 'schedule.py'];
  return [
    formatHeader(dlr, info, 'Python: Keras and PyTorch', 'py'),
    '',
    runtimeText('scalar.py').trimEnd(),
    '',
    '',
    `GRANULARITY = ${JSON.stringify(dlr.granularity)}`,
    `RULE_TEXT = ${JSON.stringify(info.text)}`,
    `SIGNALS_READ = ${JSON.stringify(reads)}`,
    rateFunctions(dlr).trimEnd(),
    ...after.map((file) => `\n\n${runtimeText(file).trimEnd()}`),
    '',
  ].join('\n');
}

export const DLR_PY: ExportTarget = { format: 'py', variant: 'dlr', generate: (rule, info) => generatePython(rule, info) };
