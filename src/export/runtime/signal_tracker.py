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
