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
