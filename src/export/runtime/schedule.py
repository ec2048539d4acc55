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
