# Learning-rate rule exported by autolr (Python: PyTorch, Keras 3 and any training loop).
#
# campaign:   dlr-helmholtz-4f
# entry:      g2-43
# rule:       epoch: 0 + 0.6577736228050182 * (lr0 - 0) * (1 + sigmoid(3.141592653589793 * epoch / epochs))
# simplified: epoch: 0.6577736228050182 * lr0 * (1 + sigmoid(3.141592653589793 * epoch / epochs))
# combined:   1.0819556563112243
# scores:
#   helmholtz-250: 3.5384386496955114
#   helmholtz-500: 0.12310162894307432
#   helmholtz-750: 1.4701979879055442
#   helmholtz-1000: 0.17340468501367845
# test metrics (fresh seeds):
#   helmholtz-250: relative_error 0.29195775054668266 ± 0.4217817619494482
#   helmholtz-500: relative_error 0.824485382386696 ± 0.08261190983314003
#   helmholtz-750: relative_error 0.20257214672675325 ± 0.24357245158889862
#   helmholtz-1000: relative_error 0.7256964574392868 ± 0.09347929274697755
#
# signals read:
#   epoch: index of the epoch the new rate is for, from 0 (epoch rules first run at epoch 1: epoch 0 trains with lr0)
#   epochs: number of epochs in the training budget
#   lr0: the initial learning rate of the run
#
# Keras 3: RuleCallback (every epoch and step rule that reads no per-minibatch
# loss, so this one), make_schedule(...) for clock-only epoch rules.

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
RULE_TEXT = "epoch: 0 + 0.6577736228050182 * (lr0 - 0) * (1 + sigmoid(3.141592653589793 * epoch / epochs))"
SIGNALS_READ = ["epoch","epochs","lr0"]
# Warned at construction: the rate never takes the optimizer's lr nor lr0.
LR_IGNORED = None


def rate(s, rng=random):
    """The learning rate for the coming epoch; s maps signal names to floats."""
    return (0.0 + ((0.6577736228050182 * (s["lr0"] - 0.0)) * (1.0 + _sigmoid(_pdiv((3.141592653589793 * s["epoch"]), s["epochs"])))))


import warnings

# Signals only the training loop knows. A rule that reads one runs on what the user
# feeds, so feeding nothing must fail loudly instead of running on a silent 0.
_PER_BATCH_LOSSES = ("batch_loss", "loss_first", "loss_last")
_EPOCH_LOSSES = ("loss", "loss_prev", "loss_first", "loss_last", "loss_best")
_ACCURACIES = ("acc", "acc_prev")
# What a step rule can only know if it is told where epochs end.
_NEEDS_EPOCH_LENGTH = ("steps_per_epoch", "epoch") + _EPOCH_LOSSES + _ACCURACIES


def _read(names):
    """The names the rule reads among these, in order."""
    reads = globals().get("SIGNALS_READ", ())
    return [n for n in names if n in reads]


def _warn_if_lr_ignored():
    """Called by every constructor a user calls: lr=, --lr0 and schedulers do nothing to this rule."""
    ignored = globals().get("LR_IGNORED")
    if ignored:
        # stacklevel 3: the user's line that built the object, not its __init__.
        warnings.warn(ignored, UserWarning, stacklevel=3)


class SignalTracker:
    """Keeps the signals autolr defines (see the header) from batch losses and epoch accuracies."""

    def __init__(self, lr0, epochs=None, steps_per_epoch=None):
        # A signal the rule reads and only the user knows is required, never silently 0
        # (a cosine over 0 epochs would jump between lr0 and 0 every epoch).
        if epochs is None and _read(("epochs",)):
            raise ValueError("this rule reads epochs, the run's number of epochs: pass epochs=N")
        epoch_length = _read(_NEEDS_EPOCH_LENGTH)
        if steps_per_epoch is None and epoch_length and globals().get("GRANULARITY") == "step":
            raise ValueError(
                "this step rule reads %s, which needs to know where epochs end: pass steps_per_epoch=N" % ", ".join(epoch_length)
            )
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
        # This epoch's minibatch losses, summed as they come (a list would grow with every step).
        self._epoch_sum = 0.0
        self._epoch_count = 0
        self._epoch_first = 0.0
        self._epochs_done = 0
        # How much of what the rule reads the user has fed: checked by require_fed.
        self._batches_fed = 0
        self._loss_epochs = 0
        self._acc_epochs = 0

    def observe_batch(self, loss=None):
        """Call after every optimizer step with that minibatch's loss."""
        if loss is not None:
            loss = float(loss)
            if self._epoch_count == 0:
                self._epoch_first = loss
            self._epoch_sum += loss
            self._epoch_count += 1
            self.batch_loss = loss
            self._batches_fed += 1
        self.step += 1.0

    def observe_epoch(self, acc=None, loss=None):
        """Call at the end of every epoch (loss: the epoch mean, if batches were not observed)."""
        if acc is None and _read(_ACCURACIES):
            raise ValueError("this rule reads %s: pass the epoch's training accuracy, acc=" % ", ".join(_read(_ACCURACIES)))
        if self._epoch_count == 0 and _read(_PER_BATCH_LOSSES):
            raise ValueError(
                "this rule reads %s, per-minibatch losses: report each step's loss (tracker.observe_batch(loss))"
                % ", ".join(_read(_PER_BATCH_LOSSES))
            )
        if self._epoch_count > 0:
            mean, first_loss, last_loss = self._epoch_sum / self._epoch_count, self._epoch_first, self.batch_loss
        elif loss is not None:
            mean = first_loss = last_loss = float(loss)
        elif _read(_EPOCH_LOSSES):
            raise ValueError("this rule reads %s: pass the epoch's mean training loss" % ", ".join(_read(_EPOCH_LOSSES)))
        else:
            mean = None
        if mean is not None:
            first = self._epochs_done == 0
            self.loss_prev = mean if first else self.loss
            self.loss = mean
            self.loss_first = first_loss
            self.loss_last = last_loss
            self.loss_best = mean if first else min(self.loss_best, mean)
            self._loss_epochs += 1
            if self.fixed_steps_per_epoch is None and self._epoch_count > 0:
                self.steps_per_epoch = float(self._epoch_count)
        if acc is not None:
            self.acc_prev = float(acc) if self._epochs_done == 0 else self.acc
            self.acc = float(acc)
            self._acc_epochs += 1
        self._epochs_done += 1
        self.epoch = float(self._epochs_done)
        self._epoch_sum, self._epoch_count = 0.0, 0

    def require_fed(self, how):
        """Before a rate: raises when the rule reads a signal the training loop should have
        fed by now (losses of the epochs already ended, the loss of every step taken)."""
        if globals().get("GRANULARITY") == "step":
            ends_due = int(self.step // self.steps_per_epoch) if self.fixed_steps_per_epoch else 0
            batches_due = int(self.step)
        else:
            ends_due = int(self.epoch)
            batches_due = 1 if ends_due > 0 else 0
        missing = []
        if _read(_EPOCH_LOSSES) and self._loss_epochs < ends_due:
            missing += _read(_EPOCH_LOSSES)
        if _read(_ACCURACIES) and self._acc_epochs < ends_due:
            missing += _read(_ACCURACIES)
        if "batch_loss" in _read(_PER_BATCH_LOSSES) and self._batches_fed < batches_due and "batch_loss" not in missing:
            missing.append("batch_loss")
        if missing:
            raise ValueError("this rule reads %s, but nothing fed %s: %s" % (", ".join(missing), "it" if len(missing) == 1 else "them", how))

    def state(self):
        """Plain numbers and lists (loads under torch.load(weights_only=True))."""
        return dict(vars(self))

    def load_state(self, state):
        vars(self).update(state)

    def signals(self):
        return {
            "epoch": self.epoch, "epochs": self.epochs, "step": self.step,
            "steps_per_epoch": self.steps_per_epoch, "lr": self.lr, "lr0": self.lr0,
            "loss": self.loss, "loss_prev": self.loss_prev, "loss_first": self.loss_first,
            "loss_last": self.loss_last, "loss_best": self.loss_best, "acc": self.acc,
            "acc_prev": self.acc_prev, "batch_loss": self.batch_loss,
        }


def _rng_state(rng):
    """random.Random's state as plain lists (a state_dict must load with weights_only=True)."""
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]


def _set_rng_state(rng, state):
    version, internal, gauss = state
    rng.setstate((version, tuple(internal), gauss))


def _clock_signals(tracker):
    """A step rule's epoch follows from its step count when the epoch length is known."""
    if GRANULARITY == "step" and tracker.fixed_steps_per_epoch:
        tracker.epoch = float(int(tracker.step // tracker.steps_per_epoch))


class RuleSchedule:
    """The rule driven by hand, for any training loop: feed it losses and accuracies, read the rate.

    Epoch rule (GRANULARITY "epoch"): call step(loss, acc) once at the end of every epoch with
    that epoch's mean training loss and training accuracy (like ReduceLROnPlateau.step(metrics));
    it returns the rate for the next epoch. Epoch 0 trains with lr0.
    Step rule: call step(loss) before every optimizer step, after backward(), with that
    minibatch's loss; it returns the rate for that step. If the rule reads epoch-level signals,
    call end_epoch(loss, acc) at every epoch end.
    A rule that reads a loss or an accuracy raises ValueError when it is not given one."""

    def __init__(self, lr0, epochs=None, steps_per_epoch=None, seed=None):
        _warn_if_lr_ignored()
        self.tracker = SignalTracker(lr0, epochs, steps_per_epoch)
        self.rng = random.Random(seed)

    @property
    def lr(self):
        return self.tracker.lr

    def step(self, loss=None, acc=None):
        t = self.tracker
        if GRANULARITY == "epoch":
            t.observe_epoch(acc=acc, loss=loss)
        elif loss is not None:
            t.batch_loss = float(loss)
        _clock_signals(t)
        t.require_fed("pass step(loss) before every step" if GRANULARITY == "step" else "pass step(loss, acc) at every epoch end")
        if GRANULARITY == "step" and loss is None and "batch_loss" in SIGNALS_READ:
            raise ValueError("this step rule reads batch_loss: pass step(loss) with this minibatch's loss")
        t.lr = rate(t.signals(), self.rng)
        if GRANULARITY == "step":
            t.observe_batch(loss)
        return t.lr

    def end_epoch(self, loss=None, acc=None):
        """A step rule's epoch end (loss: the epoch mean if step() was not given the batch losses)."""
        self.tracker.observe_epoch(acc=acc, loss=loss)

    def state_dict(self):
        return {"tracker": self.tracker.state(), "rng": _rng_state(self.rng)}

    def load_state_dict(self, state):
        self.tracker.load_state(state["tracker"])
        _set_rng_state(self.rng, state["rng"])


try:
    import torch  # noqa: F401

    # PyTorch 2 names the scheduler base LRScheduler; 1.x (Debian 12's 1.13) only _LRScheduler.
    _SchedulerBase = getattr(torch.optim.lr_scheduler, "LRScheduler", None) or torch.optim.lr_scheduler._LRScheduler
except ImportError:
    _SchedulerBase = None

if _SchedulerBase is not None:

    def _floats_as_tensors(value):
        """torch 1.13's weights_only loader refuses Python floats (it takes ints, lists, dicts and
        tensors), so a state_dict stores each float as a 0-d float64 tensor."""
        if isinstance(value, float):
            return torch.tensor(value, dtype=torch.float64)
        if isinstance(value, dict):
            return {k: _floats_as_tensors(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [_floats_as_tensors(v) for v in value]
        return value

    def _tensors_as_floats(value):
        if isinstance(value, torch.Tensor):
            return value.item()
        if isinstance(value, dict):
            return {k: _tensors_as_floats(v) for k, v in value.items()}
        if isinstance(value, list):
            return [_tensors_as_floats(v) for v in value]
        return value

    class RuleLR(_SchedulerBase):
        """PyTorch scheduler.

        Epoch rule (GRANULARITY "epoch"): call scheduler.step() once per epoch, after the epoch;
        a rule that reads the loss or the accuracy takes them there, as ReduceLROnPlateau does:
        scheduler.step(epoch_mean_train_loss, acc=epoch_train_accuracy).
        Step rule: call scheduler.step() once per step, after optimizer.step() (the rate of step 0
        is set at construction); a rule that reads batch_loss takes the step's loss there,
        scheduler.step(loss.item()), and sees it one step later than autolr's loop, which sets
        the rate between backward() and the step. A step rule that reads epoch-level signals
        needs steps_per_epoch=N and scheduler.end_epoch(loss, acc) at every epoch end.
        A rule that reads a signal nobody fed raises ValueError at that step, never runs on 0.
        state_dict() holds ints, lists and 0-d tensors: torch.load(..., weights_only=True) loads it."""

        def __init__(self, optimizer, epochs=None, steps_per_epoch=None, seed=None, last_epoch=-1):
            _warn_if_lr_ignored()
            lr0 = float(optimizer.param_groups[0].get("initial_lr", optimizer.param_groups[0]["lr"]))
            self.tracker = SignalTracker(lr0, epochs, steps_per_epoch)
            self.rng = random.Random(seed)
            super().__init__(optimizer, last_epoch)

        def step(self, metrics=None, acc=None):
            if GRANULARITY == "epoch":
                if metrics is not None or acc is not None:
                    self.tracker.observe_epoch(acc=acc, loss=metrics)
            elif metrics is not None:
                self.tracker.observe_batch(metrics)
            super().step()

        def end_epoch(self, loss=None, acc=None):
            """A step rule's epoch end (loss: the epoch mean if step() was not given the batch losses)."""
            self.tracker.observe_epoch(acc=acc, loss=loss)

        def get_lr(self):
            t = self.tracker
            if GRANULARITY == "epoch":
                if self.last_epoch == 0:
                    return list(self.base_lrs)
                t.epoch = float(self.last_epoch)
                how = "call scheduler.step(epoch_mean_train_loss, acc=epoch_train_accuracy) after every epoch"
            else:
                t.step = float(max(0, self.last_epoch))
                how = "call scheduler.step(loss) after every optimizer.step() (and end_epoch(loss, acc) at epoch ends)"
            _clock_signals(t)
            t.require_fed(how)
            rates = []
            for group, base in zip(self.optimizer.param_groups, self.base_lrs):
                s = t.signals()
                s["lr"] = float(group["lr"])
                s["lr0"] = float(base)
                rates.append(rate(s, self.rng))
            t.lr = rates[0]
            return rates

        def state_dict(self):
            state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "tracker", "rng")}
            state["tracker"] = self.tracker.state()
            state["rng"] = _rng_state(self.rng)
            return _floats_as_tensors(state)

        def load_state_dict(self, state_dict):
            state = _tensors_as_floats(dict(state_dict))
            self.tracker.load_state(state.pop("tracker"))
            _set_rng_state(self.rng, state.pop("rng"))
            self.__dict__.update(state)


# ---- Keras: a LearningRateScheduler function for clock rules, a Callback for every rule Keras can feed ----

_CLOCK_SIGNALS = ("epoch", "epochs", "lr", "lr0")


def make_schedule(lr0=None, epochs=None, seed=None):
    """keras.callbacks.LearningRateScheduler(make_schedule(lr0=0.01, epochs=N)), a new one per model.

    For epoch rules that read only epoch, epochs, lr and lr0 (RuleCallback takes every rule).
    Each rate is replayed from lr0 through the epochs before it, so fit(initial_epoch=k) on a
    resumed model gives the rates of an uninterrupted run whatever rate its optimizer holds.
    lr0 defaults to the optimizer's rate at epoch 0; resuming needs it given."""
    others = [n for n in SIGNALS_READ if n not in _CLOCK_SIGNALS]
    if GRANULARITY != "epoch" or others:
        why = "it is a step rule" if GRANULARITY != "epoch" else "it reads " + ", ".join(others)
        raise ValueError("make_schedule takes epoch rules reading only epoch, epochs, lr, lr0 (%s): use RuleCallback" % why)
    if epochs is None and "epochs" in SIGNALS_READ:
        raise ValueError("this rule reads epochs: use make_schedule(epochs=N)")
    _warn_if_lr_ignored()
    rates = [] if lr0 is None else [float(lr0)]
    rng = random.Random(seed)

    def schedule(epoch, lr):
        if not rates:
            if epoch != 0:
                raise ValueError("resuming at epoch %d: make_schedule needs the run's starting rate, lr0=" % epoch)
            rates.append(float(lr))
        while len(rates) <= epoch:
            e = len(rates)
            s = {"epoch": float(e), "epochs": float(epochs or 0), "lr": rates[-1], "lr0": rates[0]}
            rates.append(rate(s, rng))
        return rates[epoch]

    return schedule


# Keras' callbacks see the epoch's mean loss (logs["loss"]; batch-end logs hold running means), never one minibatch's.
KERAS_UNFED_SIGNALS = [n for n in _PER_BATCH_LOSSES if n in SIGNALS_READ]

try:
    import keras

    _KERAS_3 = int(keras.__version__.split(".")[0]) >= 3
except ImportError:
    _KERAS_3 = False

if _KERAS_3:

    class RuleCallback(keras.callbacks.Callback):
        """model.fit(x, y, epochs=N, callbacks=[RuleCallback(epochs=N)]), a new one per model.

        Sets the optimizer's rate before every epoch (epoch rule) or step (step rule) and feeds
        the rule logs["loss"] (the epoch's mean training loss) and logs[acc_key] at every epoch
        end. lr0 is the optimizer's rate when training starts unless given. Resuming with
        fit(initial_epoch=k) replays a clock rule from lr0 (pass lr0=); a rule that reads the
        loss or accuracy needs the history: save callback.state_dict() with the model and
        load_state_dict() it into the new callback. Rules reading per-minibatch losses
        (batch_loss, loss_first, loss_last) are refused: Keras' logs never hold them."""

        def __init__(self, lr0=None, epochs=None, steps_per_epoch=None, seed=None, acc_key="accuracy"):
            super().__init__()
            if KERAS_UNFED_SIGNALS:
                raise ValueError(
                    "this rule reads %s, per-minibatch losses, which Keras' callbacks never see (their logs hold running means): "
                    "drive it with RuleSchedule in your own training loop" % ", ".join(KERAS_UNFED_SIGNALS)
                )
            if epochs is None and "epochs" in SIGNALS_READ:
                raise ValueError("this rule reads epochs, the run's number of epochs: pass epochs=N")
            _warn_if_lr_ignored()
            self._lr0, self._epochs, self._steps_per_epoch, self.acc_key = lr0, epochs, steps_per_epoch, acc_key
            self.rng = random.Random(seed)
            self.tracker = None
            self._restored = None
            self._rated = 0  # the last epoch whose rate the tracker holds (epoch rules; 0: lr0)

        def _optimizer_rate(self):
            return float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))

        def _start(self, epoch):
            lr0 = self._lr0
            if lr0 is None:
                if epoch != 0 and self._restored is None:
                    raise ValueError("resuming at epoch %d: pass lr0=, the run's starting rate (the optimizer's is no longer it)" % epoch)
                lr0 = self._optimizer_rate()
            spe = self._steps_per_epoch or (self.params or {}).get("steps")
            self.tracker = SignalTracker(lr0, self._epochs, spe)
            if self._restored is not None:
                self.tracker.load_state(self._restored["tracker"])
                _set_rng_state(self.rng, self._restored["rng"])

        def _next_rate(self, how):
            t = self.tracker
            _clock_signals(t)
            t.require_fed(how)
            t.lr = rate(t.signals(), self.rng)
            return t.lr

        def on_epoch_begin(self, epoch, logs=None):
            if self.tracker is None:
                self._start(epoch)
            t = self.tracker
            how = "resuming at epoch %d: load_state_dict() the state saved with the model" % epoch
            if GRANULARITY == "epoch":
                # A resumed clock rule catches up from lr0, one epoch at a time (the rule may read lr);
                # epochs a restored state already rated are not rated again.
                for e in range(self._rated + 1, epoch + 1):
                    t.epoch = float(e)
                    self._next_rate(how)
                    self._rated = e
                self.model.optimizer.learning_rate = t.lr
            else:
                if not t.fixed_steps_per_epoch and epoch > 0 and t.step == 0:
                    raise ValueError("resuming a step rule at epoch %d: pass steps_per_epoch=N" % epoch)
                while t.fixed_steps_per_epoch and t.step < epoch * t.steps_per_epoch:
                    self._next_rate(how)
                    t.observe_batch()

        def on_train_batch_begin(self, batch, logs=None):
            if GRANULARITY == "step":
                self.model.optimizer.learning_rate = self._next_rate("Keras should have ended the epoch")

        def on_train_batch_end(self, batch, logs=None):
            if GRANULARITY == "step":
                self.tracker.observe_batch()

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            acc = logs.get(self.acc_key)
            if acc is None and _read(_ACCURACIES):
                raise ValueError(
                    "this rule reads %s, but the logs have no %r: compile with metrics=[%r] or pass acc_key="
                    % (", ".join(_read(_ACCURACIES)), self.acc_key, self.acc_key)
                )
            self.tracker.observe_epoch(acc=acc, loss=logs.get("loss"))

        def state_dict(self):
            """Plain numbers and lists: save it beside the model to resume a loss-driven rule."""
            return {"tracker": self.tracker.state(), "rng": _rng_state(self.rng), "rated": self._rated}

        def load_state_dict(self, state):
            self._restored = state
            self._rated = int(state.get("rated", 0))
