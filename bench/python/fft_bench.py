#!/usr/bin/env python3
"""numpy side of mlkit's FFT benchmark (bench/fft.ts).

The signal is a raw little-endian float64 file written by bench/fft.ts. Variants (the same
definitions as src/pipeline/fft.ts: windows of W samples ending at rows W-1, W-1+hop, ...; periodic
Hann window; rfft):

  rfft             window the frames, numpy.fft.rfft, |X_k| of the first `bins` bins
                   (numpy's rfft over the windows: the baseline of the issue's target)
  window_features  + dominant frequency and band energies: mlkit's per-window features
  row_features     + every row gets the features of its most recent window (NaN before the first):
                   the output of mlkit's fft transformer (as a rows x features float64 array)

Modes:
  inprocess <signal> <W> <hop> <bins> <bands> <window_fn> <repeat> [<dump.f64>]
      times every variant `repeat` times in this process (after one untimed warm-up each) and prints
      one JSON line; with <dump.f64> also writes the per-window features (windows x features,
      float64) for bench/fft.ts to compare with mlkit's
  process <variant> <signal> <W> <hop> <bins> <bands> <window_fn>
      the whole-process run: import numpy, read the signal, compute the variant once, print one
      JSON line (stage timings and peak RSS)
"""
import json
import resource
import sys
import time

T0 = time.perf_counter()
import numpy as np  # noqa: E402
from numpy.lib.stride_tricks import sliding_window_view  # noqa: E402

T_IMPORT = time.perf_counter()


def window_fn(name: str, w: int) -> np.ndarray:
    # periodic Hann = scipy.signal.get_window('hann', w)
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(w) / w) if name == "hann" else np.ones(w)


def spectra(x, w, hop, fn):
    frames = sliding_window_view(x, w)[::hop]
    return np.fft.rfft(frames * fn, axis=1)


def rfft(x, w, hop, bins, bands, fn):
    X = spectra(x, w, hop, fn)
    return np.abs(X[:, :bins])


def window_features(x, w, hop, bins, bands, fn):
    X = spectra(x, w, hop, fn)
    mag = np.abs(X)
    out = np.empty((X.shape[0], bins + 1 + bands))
    out[:, :bins] = mag[:, :bins]
    out[:, bins] = (np.argmax(mag[:, 1:], axis=1) + 1) / w
    if bands:
        edges = [len(a) for a in np.array_split(np.arange(mag.shape[1]), bands)]
        starts = np.concatenate([[0], np.cumsum(edges)[:-1]])
        out[:, bins + 1:] = np.add.reduceat(mag * mag, starts, axis=1)
    # windows holding a non-finite value
    bad = ~np.isfinite(x)
    if bad.any():
        c = np.concatenate([[0], np.cumsum(bad)])
        ends = np.arange(w - 1, len(x), hop)
        out[(c[ends + 1] - c[ends + 1 - w]) > 0] = np.nan
    return out


def row_features(x, w, hop, bins, bands, fn):
    feat = window_features(x, w, hop, bins, bands, fn)
    n = len(x)
    out = np.empty((n, feat.shape[1]))
    out[: w - 1] = np.nan
    out[w - 1:] = np.repeat(feat, hop, axis=0)[: n - w + 1]
    return out


VARIANTS = {"rfft": rfft, "window_features": window_features, "row_features": row_features}


def peak_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def load(path: str) -> np.ndarray:
    return np.fromfile(path, dtype="<f8")


def main() -> None:
    mode = sys.argv[1]
    if mode == "inprocess":
        path, w, hop, bins, bands, fname, repeat = sys.argv[2:9]
        w, hop, bins, bands, repeat = int(w), int(hop), int(bins), int(bands), int(repeat)
        x = load(path)
        fn = window_fn(fname, w)
        times = {}
        for name, f in VARIANTS.items():
            f(x, w, hop, bins, bands, fn)  # warm-up
            ts = []
            for _ in range(repeat):
                t = time.perf_counter()
                f(x, w, hop, bins, bands, fn)
                ts.append(time.perf_counter() - t)
            times[name] = ts
        if len(sys.argv) > 9:
            window_features(x, w, hop, bins, bands, fn).astype("<f8").tofile(sys.argv[9])
        print(json.dumps({"python": sys.version.split()[0], "numpy": np.__version__, "samples": int(len(x)), "seconds": times}))
    elif mode == "process":
        variant, path, w, hop, bins, bands, fname = sys.argv[2:9]
        w, hop, bins, bands = int(w), int(hop), int(bins), int(bands)
        t = time.perf_counter()
        x = load(path)
        t_load = time.perf_counter()
        out = VARIANTS[variant](x, w, hop, bins, bands, window_fn(fname, w))
        t_done = time.perf_counter()
        print(json.dumps({
            "variant": variant, "shape": list(out.shape),
            "seconds": {"import": T_IMPORT - T0, "load": t_load - t, "compute": t_done - t_load},
            "maxRssKb": peak_rss_kb(),
        }))
    else:
        sys.exit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main()
