#!/usr/bin/env python3
"""Golden values for mlkit's `fft` transformer (src/pipeline/fft.ts), computed with numpy.fft.rfft.

Writes, next to this script:
  signal.csv            2,000 samples (`value`; one empty field = a missing value at row 1234)
  expected_<name>.csv   for each configuration below, one line per window on the hop grid:
                        `end` (the row the window ends at) and the features in mlkit's order
                        (bin0..bin<bins-1>, dom_freq, band0..band<bands-1>), printed with %.17g;
                        a window holding a missing value has every feature NaN

Definitions (the ones src/pipeline/fft.ts documents):
  windows end at rows window-1, window-1+hop, ...; X = numpy.fft.rfft(w * x[end-window+1 : end+1]);
  w = the periodic Hann window (scipy.signal.get_window('hann', window)) or ones ('none');
  bin<k> = |X_k|; dom_freq = (1 + argmax |X_1..X_{window/2}|) / window;
  band<j> = sum |X_k|^2 over numpy.array_split(bins 0..window/2, bands)[j].

Regenerate with a python that has numpy:  /usr/bin/python3 tests/golden/fft/gen_fft.py
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
N = 2000
MISSING_ROW = 1234

# name -> (window, hop, bins, window_fn, bands)
CONFIGS = {
    "w64_h8_hann": (64, 8, 16, "hann", 4),
    "w256_h32_none": (256, 32, 16, "none", 5),
    "w16_h1_hann": (16, 1, 9, "hann", 3),
    "w4_h3_none": (4, 3, 3, "none", 3),
}


def signal() -> np.ndarray:
    rng = np.random.default_rng(20240601)
    t = np.arange(N, dtype=np.float64)
    x = (
        np.sin(2 * np.pi * t / 25.0)
        + 0.5 * np.sin(2 * np.pi * t / 7.3 + 0.4)
        + 0.002 * t
        + 0.3 * rng.standard_normal(N)
    )
    x[MISSING_ROW] = np.nan
    return x


def periodic_hann(n: int) -> np.ndarray:
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)
    try:
        from scipy.signal import get_window

        assert np.allclose(w, get_window("hann", n), rtol=0, atol=1e-15)
    except ImportError:
        pass
    return w


def features(x: np.ndarray, window: int, hop: int, bins: int, window_fn: str, bands: int):
    w = periodic_hann(window) if window_fn == "hann" else np.ones(window)
    ends = np.arange(window - 1, len(x), hop)
    width = bins + 1 + bands
    out = np.full((len(ends), width), np.nan)
    for i, e in enumerate(ends):
        seg = x[e - window + 1 : e + 1]
        if not np.all(np.isfinite(seg)):
            continue
        X = np.fft.rfft(seg * w)
        mag = np.abs(X)
        out[i, :bins] = mag[:bins]
        out[i, bins] = (1 + np.argmax(mag[1:])) / window
        for j, part in enumerate(np.array_split(mag, bands)):
            out[i, bins + 1 + j] = np.sum(part ** 2)
    return ends, out


def main() -> None:
    x = signal()
    with open(os.path.join(HERE, "signal.csv"), "w") as f:
        f.write("value\n")
        for v in x:
            f.write("\n" if np.isnan(v) else "%.17g\n" % v)
    for name, (window, hop, bins, window_fn, bands) in CONFIGS.items():
        ends, out = features(x, window, hop, bins, window_fn, bands)
        header = ["end"] + [f"bin{k}" for k in range(bins)] + ["dom_freq"] + [f"band{j}" for j in range(bands)]
        with open(os.path.join(HERE, f"expected_{name}.csv"), "w") as f:
            f.write(",".join(header) + "\n")
            for e, row in zip(ends, out):
                f.write(str(int(e)) + "," + ",".join("NaN" if np.isnan(v) else "%.17g" % v for v in row) + "\n")
    print(f"numpy {np.__version__}: wrote signal.csv and {len(CONFIGS)} expected files to {HERE}")


if __name__ == "__main__":
    main()
