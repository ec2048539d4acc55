/**
 * Dynamic (schedule) rule → a Python module: `rate(s, rng)` (and
 * `acceptance(s, rng)`) over a dict of float signals, a `SignalTracker` that
 * keeps the loss/accuracy history the way autolr defines it and refuses to
 * run a rule on signals nobody fed, a `RuleSchedule` driven by hand
 * (`step(loss, acc)`, as ReduceLROnPlateau.step(metrics)), a PyTorch
 * `LRScheduler` subclass (defined only when torch imports), and for Keras 3 a
 * `make_schedule(...)` factory for LearningRateScheduler (clock-only epoch
 * rules) and a `RuleCallback` (every rule but those reading per-minibatch
 * losses). Only the rule's constants and rate functions are written here; the
 * rest is inlined from runtime files: the helpers (`runtime/scalar.py`), the
 * tracker (`runtime/signal_tracker.py`), the schedule classes
 * (`runtime/schedule.py`) and the Keras parts (`runtime/keras_schedule.py`),
 * which branch on GRANULARITY and SIGNALS_READ.
 */
import type { Rule } from '../grammar/ast.js';
import { printPythonExpr, pythonStringOrNone } from '../grammar/printer-python.js';
import { signalsRead } from '../grammar/signals.js';
import { formatHeader, ignoredLrWarning, type ExportInfo } from './header.js';
import { requireDlr, type ExportTarget } from './target.js';
import { runtimeText, type RuntimeFile } from './template.js';

/** Keras' callbacks see epoch-mean losses only (`runtime/keras_schedule.py` refuses these). */
const PER_MINIBATCH_SIGNALS = new Set(['batch_loss', 'loss_first', 'loss_last']);

/** The header's word on which classes of the module this rule can use. */
function kerasLine(reads: readonly string[]): string {
  const unfed = reads.filter((n) => PER_MINIBATCH_SIGNALS.has(n));
  return unfed.length > 0
    ? `#\n# Keras: not supported; this rule reads ${unfed.join(', ')}, per-minibatch losses\n# Keras' callbacks never see. Use RuleLR (PyTorch) or RuleSchedule.`
    : '#\n# Keras 3: RuleCallback (every epoch and step rule that reads no per-minibatch\n# loss, so this one), make_schedule(...) for clock-only epoch rules.';
}

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
  const after: RuntimeFile[] = ['signal_tracker.py', 'schedule.py', 'keras_schedule.py'];
  return [
    formatHeader(dlr, info, 'Python: PyTorch, Keras 3 and any training loop', 'py'),
    kerasLine(reads),
    '',
    runtimeText('scalar.py').trimEnd(),
    '',
    '',
    `GRANULARITY = ${JSON.stringify(dlr.granularity)}`,
    `RULE_TEXT = ${JSON.stringify(info.text)}`,
    `SIGNALS_READ = ${JSON.stringify(reads)}`,
    '# Warned at construction: the rate never takes the optimizer\'s lr nor lr0.',
    `LR_IGNORED = ${pythonStringOrNone(ignoredLrWarning(dlr))}`,
    rateFunctions(dlr).trimEnd(),
    ...after.map((file) => `\n\n${runtimeText(file).trimEnd()}`),
    '',
  ].join('\n');
}

export const DLR_PY: ExportTarget = { format: 'py', variant: 'dlr', generate: (rule, info) => generatePython(rule, info) };
