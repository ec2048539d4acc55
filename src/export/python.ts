/**
 * Dynamic (schedule) rule → a Python module: `rate(s, rng)` (and
 * `acceptance(s, rng)`) over a dict of float signals, a `SignalTracker` that
 * keeps the loss/accuracy history the way autolr defines it, a Keras
 * `schedule(epoch, lr)` when the rule reads only epoch/epochs/lr/lr0, a
 * `RuleSchedule` class with `step(...)` otherwise (in the manner of
 * ReduceLROnPlateau.step(metrics)), and a PyTorch `LRScheduler` subclass,
 * defined only when torch imports. The helpers (`runtime/scalar.py`) and the
 * tracker (`runtime/signal_tracker.py`) are inlined from runtime files.
 */
import type { Rule } from '../grammar/ast.js';
import { printPythonExpr } from '../grammar/printer-python.js';
import { formatHeader, signalsRead, type ExportInfo } from './header.js';
import { requireDlr, type ExportTarget } from './target.js';
import { runtimeText } from './template.js';

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

function kerasSchedule(): string {
  return `

EPOCHS = None  # set to the run's number of epochs if the rule reads "epochs"


def make_schedule(epochs=None, lr0=None, seed=None):
    """A Keras LearningRateScheduler function: schedule(epoch, lr) -> new lr."""
    state = {"lr0": None if lr0 is None else float(lr0)}
    rng = random.Random(seed)

    def schedule(epoch, lr):
        lr = float(lr)
        if state["lr0"] is None:
            state["lr0"] = lr
        if epoch == 0:
            return state["lr0"]
        n = epochs if epochs is not None else EPOCHS
        s = {"epoch": float(epoch), "epochs": float(n if n is not None else 0), "lr": lr, "lr0": state["lr0"]}
        return rate(s, rng)

    return schedule


# tf.keras.callbacks.LearningRateScheduler(schedule)
schedule = make_schedule()
`;
}

function ruleScheduleClass(granularity: 'epoch' | 'step'): string {
  const stepDoc =
    granularity === 'epoch'
      ? 'Call once at the end of every epoch (like ReduceLROnPlateau.step(metrics)); returns the rate for the next epoch.'
      : 'Call before every optimizer step; returns the rate for that step. Report losses with tracker.observe_batch(loss) after each step.';
  const body =
    granularity === 'epoch'
      ? `        self.tracker.observe_epoch(acc=acc, loss=loss)
        self.tracker.lr = rate(self.tracker.signals(), self.rng)
        return self.tracker.lr`
      : `        if loss is not None:
            self.tracker.batch_loss = float(loss)
        self.tracker.lr = rate(self.tracker.signals(), self.rng)
        return self.tracker.lr`;
  return `

class RuleSchedule:
    """The rule driven by hand: feed it losses and accuracies, read the rate."""

    def __init__(self, lr0, epochs=0, steps_per_epoch=None, seed=None):
        self.tracker = SignalTracker(lr0, epochs, steps_per_epoch)
        self.rng = random.Random(seed)

    @property
    def lr(self):
        return self.tracker.lr

    def step(self, loss=None, acc=None):
        """${stepDoc}"""
${body}
`;
}

function torchScheduler(granularity: 'epoch' | 'step'): string {
  const getLr =
    granularity === 'epoch'
      ? `            if self.last_epoch == 0:
                return list(self.base_lrs)
            t.epoch = float(self.last_epoch)`
      : `            t.step = float(max(0, self.last_epoch))`;
  return `

try:
    import torch  # noqa: F401

    class RuleLR(torch.optim.lr_scheduler.LRScheduler):
        """PyTorch scheduler: call scheduler.step() once per ${granularity}${granularity === 'epoch' ? ' (after the epoch)' : ' (after optimizer.step(); the rate of step 0 is set at construction)'}.
        Feed losses with scheduler.tracker.observe_batch(loss) after each step and
        scheduler.tracker.observe_epoch(acc) at each epoch end if the rule reads them."""

        def __init__(self, optimizer, epochs=0, steps_per_epoch=None, seed=None, last_epoch=-1):
            lr0 = float(optimizer.param_groups[0].get("initial_lr", optimizer.param_groups[0]["lr"]))
            self.tracker = SignalTracker(lr0, epochs, steps_per_epoch)
            self.rng = random.Random(seed)
            super().__init__(optimizer, last_epoch)

        def get_lr(self):
            t = self.tracker
${getLr}
            rates = []
            for group, base in zip(self.optimizer.param_groups, self.base_lrs):
                s = t.signals()
                s["lr"] = float(group["lr"])
                s["lr0"] = float(base)
                rates.append(rate(s, self.rng))
            t.lr = rates[0]
            return rates

except ImportError:
    pass
`;
}

export function generatePython(rule: Rule, info: ExportInfo): string {
  const dlr = requireDlr(rule);
  const reads = signalsRead(dlr);
  const keras = dlr.granularity === 'epoch' && reads.every((n) => KERAS_SIGNALS.has(n));
  const parts = [
    formatHeader(dlr, info, 'Python: Keras and PyTorch', 'py'),
    '',
    runtimeText('scalar.py').trimEnd(),
    '',
    `GRANULARITY = ${JSON.stringify(dlr.granularity)}`,
    `RULE_TEXT = ${JSON.stringify(info.text)}`,
    `SIGNALS_READ = ${JSON.stringify(reads)}`,
    rateFunctions(dlr).trimEnd(),
    `\n\n${runtimeText('signal_tracker.py').trimEnd()}`,
    keras ? kerasSchedule().trimEnd() : '',
    ruleScheduleClass(dlr.granularity).trimEnd(),
    torchScheduler(dlr.granularity).trimEnd(),
    '',
  ];
  return parts.filter((p, i) => p !== '' || i === 1 || i === parts.length - 1).join('\n');
}

export const DLR_PY: ExportTarget = { format: 'py', variant: 'dlr', generate: (rule, info) => generatePython(rule, info) };
