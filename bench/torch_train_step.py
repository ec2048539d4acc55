"""PyTorch's side of bench/train-step.ts: the same training steps, for a column beside wasm.

The same three models as the TypeScript bench, built the same way:

- mlp: 784-256-10, batch 128, softmax cross-entropy, SGD(0.05); kernels
  normal with std sqrt(2 / (fan_in + fan_out)), zero biases;
- cnn: 28x28x1 -> conv 3x3x16 relu -> maxpool 2 -> conv 3x3x32 relu ->
  maxpool 2 -> dense 10 ('same' padding), batch 128, SGD(0.05); conv kernels
  normal with std sqrt(2 / (3*3*in)), the dense one as in mlp, zero biases;
- pinn / pinn-fwd: 1 -> 100 sin -> 100 cos -> 100 sin -> 1, weights and biases
  uniform in +-1/sqrt(fan_in), loss mean((u'' + k^2 u)^2) over 1000 points
  on [0, 1], k = 4, Adam(1e-3); u'' by nested autograd (pinn) or by
  forward-mode propagation of (u, u', u'') through the layers (pinn-fwd, the
  same arithmetic as src/tasks/models.ts).

Inputs are random (uniform pixels, uniform labels): a step's time does not
depend on the values. Layout is each framework's own (NCHW here, NHWC in
tfjs). One thread (torch.set_num_threads(1)), as one wasm worker has.

Two ways to run it:

  python3 bench/torch_train_step.py mlp [cnn pinn pinn-fwd] [--warmup N --timed N]
      prints one JSON line per model: {"model", "times": [ms, ...]}.
  python3 bench/torch_train_step.py --serve MODEL
      a step server for the TypeScript bench, which alternates it with the
      wasm configurations: reads lines 'warmup N' (runs N steps, answers
      'ok'), 'time' (runs one step, answers its milliseconds) and 'describe'
      (answers torch's version, threads and BLAS library as JSON) until stdin
      closes.
"""
import argparse
import json
import math
import os
import sys
import time

# One thread, as one wasm worker has: torch's own pool, and the BLAS it calls
# (Debian's torch reaches BLAS through the libblas.so.3 alternative, whose
# OpenBLAS would otherwise start a thread per core), set before torch loads.
for variable in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[variable] = '1'

import torch  # noqa: E402

torch.set_num_threads(1)
torch.manual_seed(0)


def normal_(shape, std):
    return torch.randn(*shape) * std


def mlp_step():
    w1 = normal_((784, 256), math.sqrt(2 / (784 + 256))).requires_grad_()
    b1 = torch.zeros(256, requires_grad=True)
    w2 = normal_((256, 10), math.sqrt(2 / (256 + 10))).requires_grad_()
    b2 = torch.zeros(10, requires_grad=True)
    x = torch.rand(128, 784)
    y = torch.randint(0, 10, (128,))
    opt = torch.optim.SGD([w1, b1, w2, b2], lr=0.05)

    def step():
        opt.zero_grad()
        h = torch.relu(x @ w1 + b1)
        loss = torch.nn.functional.cross_entropy(h @ w2 + b2, y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def cnn_step():
    # Kernels drawn in tfjs' [kh, kw, in, out] order, then laid out as torch's [out, in, kh, kw].
    k1 = normal_((3, 3, 1, 16), math.sqrt(2 / 9)).permute(3, 2, 0, 1).contiguous().requires_grad_()
    c1 = torch.zeros(16, requires_grad=True)
    k2 = normal_((3, 3, 16, 32), math.sqrt(2 / 144)).permute(3, 2, 0, 1).contiguous().requires_grad_()
    c2 = torch.zeros(32, requires_grad=True)
    w = normal_((7 * 7 * 32, 10), math.sqrt(2 / (7 * 7 * 32 + 10))).requires_grad_()
    b = torch.zeros(10, requires_grad=True)
    x = torch.rand(128, 1, 28, 28)
    y = torch.randint(0, 10, (128,))
    opt = torch.optim.SGD([k1, c1, k2, c2, w, b], lr=0.05)
    f = torch.nn.functional

    def step():
        opt.zero_grad()
        h1 = f.max_pool2d(torch.relu(f.conv2d(x, k1, c1, padding=1)), 2)
        h2 = f.max_pool2d(torch.relu(f.conv2d(h1, k2, c2, padding=1)), 2)
        loss = f.cross_entropy(h2.reshape(128, -1) @ w + b, y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def fan_in_uniform(shape, fan_in):
    limit = 1 / math.sqrt(fan_in)
    return ((torch.rand(*shape) * 2 - 1) * limit).requires_grad_()


def pinn_step(forward_mode):
    sizes = [1, 100, 100, 100, 1]
    activations = ['sin', 'cos', 'sin', 'linear']
    layers = [(fan_in_uniform((a, b), a), fan_in_uniform((b,), a)) for a, b in zip(sizes, sizes[1:])]
    params = [p for layer in layers for p in layer]
    x = torch.linspace(0, 1, 1000).reshape(1000, 1)
    k = 4
    opt = torch.optim.Adam(params, lr=1e-3)
    act = {'sin': torch.sin, 'cos': torch.cos, 'linear': lambda z: z}

    def u(t):
        h = t
        for (w, b), a in zip(layers, activations):
            h = act[a](h @ w + b)
        return h

    def nested_residual():
        t = x.clone().requires_grad_()
        value = u(t)
        # Points are independent, so the gradient of sum(u) is u' at every point.
        (d1,) = torch.autograd.grad(value.sum(), t, create_graph=True)
        (d2,) = torch.autograd.grad(d1.sum(), t, create_graph=True)
        return d2 + k * k * value

    def jet(z, z1, z2, a):
        """sigma(z) with y' = sigma'(z) z', y'' = sigma''(z) z'^2 + sigma'(z) z''."""
        if a == 'linear':
            return z, z1, z2
        s, c = torch.sin(z), torch.cos(z)
        y, dy, ddy = (s, c, -s) if a == 'sin' else (c, -s, -c)
        return y, dy * z1, ddy * z1 * z1 + dy * z2

    def forward_residual():
        (w0, b0), rest = layers[0], layers[1:]
        z = x @ w0 + b0
        y, y1, y2 = jet(z, w0.expand_as(z), torch.zeros_like(z), activations[0])
        for (w, b), a in zip(rest, activations[1:]):
            n = x.shape[0]
            z, z1, z2 = torch.split(torch.cat([y, y1, y2], 0) @ w, [n, n, n], 0)
            y, y1, y2 = jet(z + b, z1, z2, a)
        return y2 + k * k * y

    residual = forward_residual if forward_mode else nested_residual

    def step():
        opt.zero_grad()
        loss = residual().square().mean()
        loss.backward()
        opt.step()
        return loss.item()

    return step


MODELS = {'mlp': mlp_step, 'cnn': cnn_step, 'pinn': lambda: pinn_step(False), 'pinn-fwd': lambda: pinn_step(True)}


def blas_library():
    """The BLAS this process loaded (reference BLAS is ~20x slower than OpenBLAS on the MLP), from /proc/self/maps."""
    try:
        with open('/proc/self/maps') as maps:
            paths = {line.split()[-1] for line in maps if 'blas' in os.path.basename(line.split()[-1]).lower()}
    except OSError:
        return 'unknown'
    return ', '.join(sorted(os.path.realpath(p) for p in paths)) or 'none loaded'


def describe():
    return {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'blas': blas_library()}


def timed(step):
    t0 = time.perf_counter()
    step()
    return (time.perf_counter() - t0) * 1000


def serve(model):
    step = MODELS[model]()
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == 'warmup':
            for _ in range(int(words[1])):
                step()
            answer = 'ok'
        elif words[0] == 'describe':
            answer = json.dumps(describe())
        elif words[0] == 'time':
            answer = repr(timed(step))
        else:
            answer = 'error: unknown command ' + json.dumps(line.strip())
        sys.stdout.write(answer + '\n')
        sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description='PyTorch training-step times for bench/train-step.ts')
    parser.add_argument('models', nargs='*', help=', '.join(MODELS))
    parser.add_argument('--serve', choices=list(MODELS))
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--timed', type=int, default=10)
    args = parser.parse_args()
    unknown = [m for m in args.models if m not in MODELS]
    if unknown:
        parser.error(f"unknown model {', '.join(unknown)}; choose from {', '.join(MODELS)}")
    if args.serve:
        serve(args.serve)
        return
    for model in args.models or list(MODELS):
        step = MODELS[model]()
        for _ in range(args.warmup):
            step()
        print(json.dumps({'model': model, **describe(), 'times': [timed(step) for _ in range(args.timed)]}))


if __name__ == '__main__':
    main()
