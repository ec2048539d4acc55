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
        if n is None and "epochs" in globals().get("SIGNALS_READ", ()):
            raise ValueError("this rule reads epochs: use make_schedule(epochs=N), or set EPOCHS = N")
        s = {"epoch": float(epoch), "epochs": float(n if n is not None else 0), "lr": lr, "lr0": state["lr0"]}
        return rate(s, rng)

    return schedule


# tf.keras.callbacks.LearningRateScheduler(schedule)
schedule = make_schedule()
