#!/usr/bin/env python3
"""PyTorch side of mlkit's neural epoch benchmark (bench/nn-epoch.ts).

    nn_epoch_bench.py run '<spec JSON>'

spec: {"kind": "lstm"|"gru"|"transformer"|"cnn", "args": {"units": 32} or {"d_model": 32, "heads": 2} or
       {"filters": "16,32,64", "kernel": 3, "pool": 2}, "data": FILE, "rows": 8192, "window": 64,
       "threads": 1, "batch": 64, "lr": 0.001, "warmup": 1, "repeat": 2, "waitIdle": 60, "seed": S}

The data file is bench/nn-epoch.ts's: float32 little-endian, rows x window inputs then rows targets.
One process trains one model: torch.set_num_threads(threads) (and OPENBLAS_NUM_THREADS=threads unless
set, before numpy and torch load: Debian's torch calls OpenBLAS, whose threads set_num_threads does not
limit) first, then `warmup` + `repeat` epochs,
each a separate one-epoch call (a new Adam each, as mlkit's trainLoop makes one per call), each after a
wait for a quiet machine. Batches are gathered from pre-made tensors with a seeded permutation (no
DataLoader). Prints one JSON line: every epoch's wall time, loss, this process's CPU time and the cores
busy on the machine meanwhile (from /proc/stat), the same record as mlkit's child.
"""
import json
import os
import resource
import sys
import time

T0 = time.perf_counter()
# Debian's torch calls OpenBLAS (the pthreads build), whose own threads torch.set_num_threads does not
# limit: with set_num_threads(1) an epoch still kept two cores busy. OpenBLAS reads its thread count
# when it loads, so it is set here, before numpy and torch, to the threads asked for (unless set).
if len(sys.argv) == 3 and sys.argv[1] == "run":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(json.loads(sys.argv[2]).get("threads", "")))
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

T_IMPORT = time.perf_counter()


class Recurrent(nn.Module):
    """One recurrent layer (batch_first), the last step's output -> a dense head of 1 value."""

    def __init__(self, cell, units):
        super().__init__()
        self.rnn = cell(input_size=1, hidden_size=units, batch_first=True)
        self.head = nn.Linear(units, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1, :])


class TransformerBlock(nn.Module):
    """mlkit's transformer forecaster with layers: 1: the values projected to d_model, the sinusoidal
    position encoding added, one pre-norm encoder block (x + attention(norm(x)), x + ff(norm(x)), ff
    2 x d_model with relu), a final norm, the last step -> a dense head of 1 value. Attention is
    PyTorch's own nn.MultiheadAttention without biases (mlkit's has no query/key/value biases and one
    output bias: 32 parameters apart)."""

    def __init__(self, d_model, heads, window):
        super().__init__()
        self.embed = nn.Linear(1, d_model)
        pos = torch.arange(window, dtype=torch.float32)[:, None]
        i = torch.arange(0, d_model, 2, dtype=torch.float32)
        angle = pos / torch.pow(10000.0, i / d_model)
        pe = torch.zeros(window, d_model)
        pe[:, 0::2] = torch.sin(angle)
        pe[:, 1::2] = torch.cos(angle[:, : d_model // 2])
        self.register_buffer("pe", pe)
        self.norm1 = nn.LayerNorm(d_model)
        self.att = nn.MultiheadAttention(d_model, heads, bias=False, batch_first=True)
        self.norm2 = nn.LayerNorm(d_model)
        self.ff = nn.Sequential(nn.Linear(d_model, 2 * d_model), nn.ReLU(), nn.Linear(2 * d_model, d_model))
        self.norm_out = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, 1)

    def forward(self, x):
        h = self.embed(x) + self.pe
        a = self.norm1(h)
        h = h + self.att(a, a, a, need_weights=False)[0]
        h = h + self.ff(self.norm2(h))
        return self.head(self.norm_out(h)[:, -1, :])


class Cnn(nn.Module):
    """mlkit's cnn forecaster: 1-D convolutions (valid padding, stride 1, relu), each followed by max
    pooling over runs of `pool` steps, a global average over the steps left, a dense head of 1 value."""

    def __init__(self, filters, kernel, pool):
        super().__init__()
        layers, cin = [], 1
        for f in filters:
            layers += [nn.Conv1d(cin, f, kernel), nn.ReLU(), nn.MaxPool1d(pool)]
            cin = f
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(cin, 1)

    def forward(self, x):
        h = self.body(x.transpose(1, 2))  # [batch, channels, steps]
        return self.head(h.mean(dim=2))


# one entry per network kind of bench/nn-epoch.ts's MODELS (torch.kind): a function of its args and the window
MODELS = {
    "lstm": lambda a, w: Recurrent(nn.LSTM, int(a["units"])),
    "gru": lambda a, w: Recurrent(nn.GRU, int(a["units"])),
    "transformer": lambda a, w: TransformerBlock(int(a["d_model"]), int(a["heads"]), w),
    "cnn": lambda a, w: Cnn([int(f) for f in str(a["filters"]).split(",")], int(a["kernel"]), int(a["pool"])),
}


def cpu_times():
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return v[3] + v[4], sum(v)
    except OSError:
        return None


def busy_between(a, b):
    if a is None or b is None or b[1] <= a[1]:
        return None
    return (1 - (b[0] - a[0]) / (b[1] - a[1])) * os.cpu_count()


def wait_for_idle(max_seconds, threshold=0.3):
    """bench/lib/idle.ts's waitForIdle: until fewer than `threshold` cores are busy over 1 s."""
    t0 = time.monotonic()
    first = True
    while True:
        a = cpu_times()
        time.sleep(1)
        busy = busy_between(a, cpu_times())
        waited = time.monotonic() - t0
        if busy is None:
            return {"busyCores": None, "waitedSeconds": 0, "quiet": True}
        if busy < threshold:
            return {"busyCores": busy, "waitedSeconds": 0 if first else round(waited), "quiet": True}
        if waited >= max_seconds:
            return {"busyCores": busy, "waitedSeconds": round(waited), "quiet": False}
        first = False
        time.sleep(2)


def own_cpu():
    t = os.times()
    return t.user + t.system


def main(spec):
    torch.set_num_threads(int(spec["threads"]))
    torch.manual_seed(int(spec["seed"]))
    rows, window, batch = int(spec["rows"]), int(spec["window"]), int(spec["batch"])
    raw = np.fromfile(spec["data"], dtype="<f4")
    if raw.size != rows * (window + 1):
        raise SystemExit(f"{spec['data']}: {raw.size} float32 values, expected {rows * (window + 1)}")
    x = torch.from_numpy(raw[: rows * window].reshape(rows, window, 1).copy())
    y = torch.from_numpy(raw[rows * window:].reshape(rows, 1).copy())
    model = MODELS[spec["kind"]](spec["args"], int(spec["window"]))
    loss_fn = nn.MSELoss()
    t_build = time.perf_counter()
    epochs = []
    n_epochs = int(spec["warmup"]) + int(spec["repeat"])
    for i in range(n_epochs):
        idle = wait_for_idle(int(spec["waitIdle"]))
        c0 = cpu_times()
        u0 = own_cpu()
        w0 = time.perf_counter()
        # one one-epoch training call
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=float(spec["lr"]))
        g = torch.Generator().manual_seed(int(spec["seed"]) + i)
        perm = torch.randperm(rows, generator=g)
        total = 0.0
        for start in range(0, rows, batch):
            idx = perm[start:start + batch]
            xb, yb = x[idx], y[idx]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        seconds = time.perf_counter() - w0
        cpu = own_cpu() - u0
        busy = busy_between(c0, cpu_times())
        epochs.append({
            "warmup": i < int(spec["warmup"]), "seconds": seconds, "loss": total / rows, "cpuSeconds": cpu,
            "busyCores": busy, "othersBusyCores": None if busy is None else max(0.0, busy - cpu / seconds),
            "busyBefore": idle["busyCores"], "quietStart": idle["quiet"], "waitedSeconds": idle["waitedSeconds"],
        })
    print(json.dumps({
        "tool": f"pytorch-{spec['threads']}t", "model": spec["kind"],
        "torch": torch.__version__, "numpy": np.__version__, "threads": torch.get_num_threads(),
        "interopThreads": torch.get_num_interop_threads(), "mkldnn": torch.backends.mkldnn.is_available(),
        "env": {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OMP_WAIT_POLICY")},
        "params": sum(p.numel() for p in model.parameters()),
        "seconds": {"import": T_IMPORT - T0, "load_build": t_build - T_IMPORT},
        "epochs": epochs, "maxRssKb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }))


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "run":
        raise SystemExit(__doc__)
    main(json.loads(sys.argv[2]))
