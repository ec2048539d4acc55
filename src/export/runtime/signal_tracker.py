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
