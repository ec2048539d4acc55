# Learning-rate rule exported by autolr (Python: Keras and PyTorch).
#
# campaign:   dlr-fashion-mnist-mlp
# entry:      g14-319 (rank 1)
# rule:       epoch: lr0 / max(acc_prev, square(loss_prev))
# simplified: epoch: lr0 / max(acc_prev, square(loss_prev))
# combined:   0.8726666666666667
# scores:
#   fashion-mnist-mlp: 0.8726666666666667
# test metrics (fresh seeds):
#   fashion-mnist-mlp: accuracy 0.8484 ± 0.002252776065213753
#
# signals read:
#   lr0: the initial learning rate of the run
#   loss_prev: the same for the epoch before it (equals loss until two epochs have completed)
#   acc_prev: the same for the epoch before it (equals acc until two epochs have completed)
#
# NOTE: this rule is loss-driven: its rates depend on the training loss (or
# accuracy) it is fed, so feed it the same quantities as defined above (mean
# minibatch training loss per epoch, etc.) or its behaviour will differ from
# what autolr measured.

import math
import random

_INF = math.inf
_NAN = math.nan


def _is_int(x):
    return math.isfinite(x) and x == math.floor(x)


def _is_odd_int(x):
    return _is_int(x) and math.fmod(x, 2.0) != 0.0


def _js_pow(a, b):
    # JavaScript's Math.pow: NaN for a NaN exponent and for (+-1) ** (+-inf)
    # (math.pow gives 1.0), +-inf on overflow and for 0 ** negative.
    if b != b:
        return _NAN
    if b == 0.0:
        return 1.0
    if a != a or (math.isinf(b) and abs(a) == 1.0):
        return _NAN
    try:
        return math.pow(a, b)
    except OverflowError:
        return -_INF if a < 0.0 and _is_odd_int(b) else _INF
    except ValueError:
        if a == 0.0:
            return -_INF if math.copysign(1.0, a) < 0.0 and _is_odd_int(b) else _INF
        return _NAN


def _ppow(a, b):
    if a == 0.0 and b < 0.0:
        return 1.0
    if a < 0.0 and not _is_int(b):
        a = -a
    return _js_pow(a, b)


def _pdiv(a, b):
    return a if b == 0.0 else a / b


def _psqrt(x):
    return math.sqrt(abs(x))


def _plog(x):
    return 0.0 if x == 0.0 else math.log(abs(x))


def _plog10(x):
    return 0.0 if x == 0.0 else math.log10(abs(x))


def _exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        return _INF


def _sigmoid(x):
    return 1.0 / (1.0 + _exp(-x))


def _floor(x):
    # math.floor returns an int, raises on inf and nan, and loses the sign of -0.0.
    if x == 0.0 or not math.isfinite(x):
        return x
    return float(math.floor(x))


def _sign(x):
    if x > 0.0:
        return 1.0
    if x < 0.0:
        return -1.0
    return x


def _sin(x):
    return _NAN if math.isinf(x) else math.sin(x)


def _cos(x):
    return _NAN if math.isinf(x) else math.cos(x)


def _tanh(x):
    return math.tanh(x)


def _abs(x):
    return abs(x)


def _square(x):
    return x * x


def _min(a, b):
    # Math.min: NaN if either is NaN, and -0.0 is below 0.0.
    if a != a or b != b:
        return _NAN
    if a == b:
        return a if math.copysign(1.0, a) < 0.0 else b
    return a if a < b else b


def _max(a, b):
    if a != a or b != b:
        return _NAN
    if a == b:
        return b if math.copysign(1.0, a) < 0.0 else a
    return a if a > b else b


def _rand(rng):
    return rng.random()


def _choice(rng, *options):
    n = len(options)
    return options[min(n - 1, math.floor(rng.random() * n))]()


def _noise(rng, sigma):
    u1 = rng.random()
    u2 = rng.random()
    return sigma * (math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2))


GRANULARITY = "epoch"
RULE_TEXT = "epoch: lr0 / max(acc_prev, square(loss_prev))"
SIGNALS_READ = ["lr0","loss_prev","acc_prev"]


def rate(s, rng=random):
    """The learning rate for the coming epoch; s maps signal names to floats."""
    return _pdiv(s["lr0"], _max(s["acc_prev"], _square(s["loss_prev"])))


class SignalTracker:
    """Keeps the signals autolr defines (see the header) from batch losses and epoch accuracies."""

    def __init__(self, lr0, epochs=None, steps_per_epoch=None):
        # A signal the rule reads and only the user knows is required, never silently 0
        # (a cosine over 0 epochs would jump between lr0 and 0 every epoch).
        reads = globals().get("SIGNALS_READ", ())
        if epochs is None and "epochs" in reads:
            raise ValueError("this rule reads epochs, the run's number of epochs: pass epochs=N")
        if steps_per_epoch is None and "steps_per_epoch" in reads and globals().get("GRANULARITY") == "step":
            raise ValueError("this step rule reads steps_per_epoch from its first step: pass steps_per_epoch=N")
        self.lr0 = float(lr0)
        self.lr = float(lr0)
        self.epochs = float(epochs or 0)
        self.fixed_steps_per_epoch = steps_per_epoch
        self.steps_per_epoch = float(steps_per_epoch or 1)
        self.epoch = 0.0
        self.step = 0.0
        self.loss = self.loss_prev = self.loss_first = self.loss_last = self.loss_best = 0.0
        self.acc = self.acc_prev = 0.0
        self.batch_loss = 0.0
        self._batch_losses = []
        self._epochs_done = 0

    def observe_batch(self, loss):
        """Call after every optimizer step with that minibatch's loss."""
        loss = float(loss)
        self._batch_losses.append(loss)
        self.batch_loss = loss
        self.step += 1.0

    def observe_epoch(self, acc=None, loss=None):
        """Call at the end of every epoch (loss: the epoch mean, if batches were not observed)."""
        losses = self._batch_losses or ([float(loss)] if loss is not None else [])
        if losses:
            mean = sum(losses) / len(losses)
            first = self._epochs_done == 0
            self.loss_prev = mean if first else self.loss
            self.loss = mean
            self.loss_first = losses[0]
            self.loss_last = losses[-1]
            self.loss_best = mean if first else min(self.loss_best, mean)
            if self.fixed_steps_per_epoch is None and self._batch_losses:
                self.steps_per_epoch = float(len(self._batch_losses))
        if acc is not None:
            self.acc_prev = float(acc) if self._epochs_done == 0 else self.acc
            self.acc = float(acc)
        self._epochs_done += 1
        self.epoch = float(self._epochs_done)
        self._batch_losses = []

    def signals(self):
        return {
            "epoch": self.epoch, "epochs": self.epochs, "step": self.step,
            "steps_per_epoch": self.steps_per_epoch, "lr": self.lr, "lr0": self.lr0,
            "loss": self.loss, "loss_prev": self.loss_prev, "loss_first": self.loss_first,
            "loss_last": self.loss_last, "loss_best": self.loss_best, "acc": self.acc,
            "acc_prev": self.acc_prev, "batch_loss": self.batch_loss,
        }


class RuleSchedule:
    """The rule driven by hand: feed it losses and accuracies, read the rate."""

    def __init__(self, lr0, epochs=None, steps_per_epoch=None, seed=None):
        self.tracker = SignalTracker(lr0, epochs, steps_per_epoch)
        self.rng = random.Random(seed)

    @property
    def lr(self):
        return self.tracker.lr

    def step(self, loss=None, acc=None):
        """An epoch rule (GRANULARITY "epoch"): call once at the end of every epoch (like
        ReduceLROnPlateau.step(metrics)); returns the rate for the next epoch.
        A step rule: call before every optimizer step; returns the rate for that step.
        Report losses with tracker.observe_batch(loss) after each step."""
        if GRANULARITY == "epoch":
            self.tracker.observe_epoch(acc=acc, loss=loss)
        elif loss is not None:
            self.tracker.batch_loss = float(loss)
        self.tracker.lr = rate(self.tracker.signals(), self.rng)
        return self.tracker.lr


try:
    import torch  # noqa: F401

    # PyTorch 2 names the scheduler base LRScheduler; 1.x (Debian 12's 1.13) only _LRScheduler.
    _SchedulerBase = getattr(torch.optim.lr_scheduler, "LRScheduler", None) or torch.optim.lr_scheduler._LRScheduler
except ImportError:
    _SchedulerBase = None

if _SchedulerBase is not None:

    class RuleLR(_SchedulerBase):
        """PyTorch scheduler: call scheduler.step() once per epoch, after the epoch (an
        epoch rule, GRANULARITY "epoch"), or once per step, after optimizer.step() (a
        step rule; the rate of step 0 is set at construction).
        Feed losses with scheduler.tracker.observe_batch(loss) after each step and
        scheduler.tracker.observe_epoch(acc) at each epoch end if the rule reads them."""

        def __init__(self, optimizer, epochs=None, steps_per_epoch=None, seed=None, last_epoch=-1):
            lr0 = float(optimizer.param_groups[0].get("initial_lr", optimizer.param_groups[0]["lr"]))
            self.tracker = SignalTracker(lr0, epochs, steps_per_epoch)
            self.rng = random.Random(seed)
            super().__init__(optimizer, last_epoch)

        def get_lr(self):
            t = self.tracker
            if GRANULARITY == "epoch":
                if self.last_epoch == 0:
                    return list(self.base_lrs)
                t.epoch = float(self.last_epoch)
            else:
                t.step = float(max(0, self.last_epoch))
            rates = []
            for group, base in zip(self.optimizer.param_groups, self.base_lrs):
                s = t.signals()
                s["lr"] = float(group["lr"])
                s["lr0"] = float(base)
                rates.append(rate(s, self.rng))
            t.lr = rates[0]
            return rates
