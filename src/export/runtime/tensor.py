import math


_NAN = float("nan")
_INF = float("inf")
_LN10 = math.log(10.0)


class _Ops:
    """Element-wise operations with the rule language's protections; subclasses bind a library."""

    def pdiv(self, a, b):
        return self.where(b == 0, a, a / self._nonzero(b))

    def ppow(self, a, b):
        is_integer = self.floor(b) == b
        base = self.where((a < 0) & ~is_integer, -a, a)
        return self.where((a == 0) & (b < 0), self.c(1.0), self._pow(base, b))

    def psqrt(self, x):
        return self._sqrt(self.abs(x))

    def plog(self, x):
        return self.where(x == 0, self.c(0.0), self._log(self.abs(self.where(x == 0, self.c(1.0), x))))

    def plog10(self, x):
        return self.plog(x) / self.c(_LN10)

    def psign(self, x):
        s = self._sign(x)
        return self.where(s == 0, x, s)

    def pmin(self, a, b):
        return self.where(a == a, self.where(b == b, self._minimum(a, b), b), a)

    def pmax(self, a, b):
        return self.where(a == a, self.where(b == b, self._maximum(a, b), b), a)

    def add(self, a, b):
        return a + b

    def sub(self, a, b):
        return a - b

    def mul(self, a, b):
        return a * b

    def neg(self, x):
        return -x

    def square(self, x):
        return x * x

    def sigmoid(self, x):
        return self.c(1.0) / (self.c(1.0) + self.exp(-x))


class NumpyOps(_Ops):
    """The operations on NumPy arrays, in float32 like the TensorFlow.js optimizer autolr trained with."""

    def __init__(self, np, dtype=None):
        self.np = np
        self.dtype = dtype or np.float32
        for name in ("abs", "exp", "floor", "sin", "cos", "tanh", "where"):
            setattr(self, name, getattr(np, name))
        self._pow, self._sqrt, self._log, self._sign = np.power, np.sqrt, np.log, np.sign
        self._minimum, self._maximum = np.minimum, np.maximum

    def c(self, v):
        return self.np.asarray(v, dtype=self.dtype)

    def _nonzero(self, b):
        return self.np.where(b == 0, self.c(1.0), b)

    def like(self, t, grad):
        return self.np.broadcast_to(self.np.asarray(t, dtype=self.dtype), grad.shape).copy()


class TorchOps(_Ops):
    """The operations on torch tensors of one dtype and device."""

    def __init__(self, torch, dtype, device):
        self.torch, self.dtype, self.device = torch, dtype, device
        for name in ("abs", "exp", "floor", "sin", "cos", "tanh", "where"):
            setattr(self, name, getattr(torch, name))
        self._pow, self._sqrt, self._log, self._sign = torch.pow, torch.sqrt, torch.log, torch.sign
        self._minimum, self._maximum = torch.minimum, torch.maximum

    def c(self, v):
        return self.torch.tensor(float(v), dtype=self.dtype, device=self.device)

    def _nonzero(self, b):
        return self.torch.where(b == 0, self.c(1.0), b)

    def like(self, t, grad):
        return self.torch.broadcast_to(t, grad.shape).clone()


class KerasOps(_Ops):
    """The operations on Keras 3 tensors and variables (keras.ops, any backend) of one dtype."""

    def __init__(self, ops, dtype):
        self.ops, self.dtype = ops, dtype
        for name in ("abs", "exp", "floor", "sin", "cos", "tanh", "where"):
            setattr(self, name, getattr(ops, name))
        self._pow, self._sqrt, self._log, self._sign = ops.power, ops.sqrt, ops.log, ops.sign
        self._minimum, self._maximum = ops.minimum, ops.maximum

    def c(self, v):
        return self.ops.cast(v, self.dtype)

    def _nonzero(self, b):
        return self.ops.where(b == 0, self.c(1.0), b)

    def like(self, t, grad):
        return self.ops.broadcast_to(self.c(t), self.ops.shape(grad))
