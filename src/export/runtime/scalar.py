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
