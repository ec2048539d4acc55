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
