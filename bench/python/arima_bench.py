#!/usr/bin/env python3
"""Python side of mlkit's ARIMA benchmark (bench/arima.ts).

Two modes:

  fit <csv> <out_csv> <spec_json>
      The timed run, one whole process: pandas.read_csv, then for each series (grouped by spec["id"] in
      order of first appearance, or the whole file when spec["id"] is null; the most recent spec["tail"]
      points when it is set) statsmodels.tsa.arima.model.ARIMA(y, order=spec["order"],
      seasonal_order=spec["seasonal_order"]).fit() (statsmodels' defaults: state-space exact MLE,
      L-BFGS, no constant when d > 0), then get_forecast(spec["horizon"]): the mean and the
      spec["level"] interval (conf_int(alpha=1 - level)). Writes <out_csv> (id, step, forecast, lower,
      upper). Warnings are recorded (not printed) and counted per category and per message; the ids of the series with a
      ConvergenceWarning are listed. A series whose fit raises gets NaN forecasts and is counted in
      "failures". Prints one JSON line on stdout: counts, stage timings, versions and this process's peak
      RSS (used when GNU time is missing).

  compare <spec_json>
      Untimed: reads the data, mlkit's forecast CSV, Python's forecast CSV and the held-out actuals (the
      next `horizon` points the generator produced but did not put in the data), and prints one JSON line:
      per-series mean absolute differences between mlkit's and statsmodels' forecasts (and interval
      half-widths) divided by the series' scale (mean |y_t - y_t-1| of the points fitted, the MASE
      scale), summarised over series; the same for mlkit's and statsmodels' errors against the actuals
      (MASE); and the split by series with mlkit fallbacks / statsmodels convergence warnings.
"""
import json
import resource
import sys
import time
import warnings

T0 = time.perf_counter()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import statsmodels  # noqa: E402
from statsmodels.tools.sm_exceptions import ConvergenceWarning  # noqa: E402
from statsmodels.tsa.arima.model import ARIMA  # noqa: E402

T_IMPORT = time.perf_counter()


def peak_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux


def series_of(df: pd.DataFrame, spec: dict):
    """(id, values) per series, in order of first appearance, cut to the most recent spec['tail'] points."""
    target = spec["target"]
    tail = spec.get("tail")
    if spec.get("id"):
        groups = ((str(k), g[target].to_numpy(dtype=np.float64)) for k, g in df.groupby(spec["id"], sort=False))
    else:
        groups = iter([("", df[target].to_numpy(dtype=np.float64))])
    for k, y in groups:
        if tail and len(y) > tail:
            y = y[-tail:]
        yield k, y


def fit(csv: str, out_csv: str, spec_json: str) -> None:
    spec = json.loads(spec_json)
    order = tuple(spec["order"])
    seasonal = tuple(spec.get("seasonal_order") or (0, 0, 0, 0))
    horizon = int(spec["horizon"])
    alpha = 1.0 - float(spec["level"])
    t = time.perf_counter()
    dtype = {spec["id"]: str} if spec.get("id") else None
    df = pd.read_csv(csv, dtype=dtype)
    t_read = time.perf_counter()
    ids, steps, means, lowers, uppers = [], [], [], [], []
    counts = {}
    messages = {}
    convergence_ids = []
    failures = []
    n_series = 0
    n_points = 0
    for sid, y in series_of(df, spec):
        n_series += 1
        n_points += len(y)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                res = ARIMA(y, order=order, seasonal_order=seasonal).fit()
                fc = res.get_forecast(horizon)
                mean = np.asarray(fc.predicted_mean, dtype=np.float64)
                ci = np.asarray(fc.conf_int(alpha=alpha), dtype=np.float64)
                lo, hi = ci[:, 0], ci[:, 1]
            except Exception as e:  # noqa: BLE001 - counted, the benchmark goes on
                failures.append({"id": sid, "error": f"{type(e).__name__}: {e}"[:300]})
                mean = lo = hi = np.full(horizon, np.nan)
        conv = False
        for w in caught:
            name = w.category.__name__
            counts[name] = counts.get(name, 0) + 1
            msg = f"{name}: {str(w.message).splitlines()[0][:100]}"
            messages[msg] = messages.get(msg, 0) + 1
            if issubclass(w.category, ConvergenceWarning):
                conv = True
        if conv:
            convergence_ids.append(sid)
        ids.extend([sid] * horizon)
        steps.extend(range(1, horizon + 1))
        means.append(mean)
        lowers.append(lo)
        uppers.append(hi)
    t_fit = time.perf_counter()
    pd.DataFrame({
        "id": ids, "step": steps,
        "forecast": np.concatenate(means), "lower": np.concatenate(lowers), "upper": np.concatenate(uppers),
    }).to_csv(out_csv, index=False)
    t_write = time.perf_counter()
    print(json.dumps({
        "python": sys.version.split()[0],
        "statsmodels": statsmodels.__version__,
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "model": f"statsmodels.tsa.arima.model.ARIMA(order={order}, seasonal_order={seasonal}).fit() (defaults)",
        "series": n_series,
        "points": n_points,
        "horizon": horizon,
        "level": 1.0 - alpha,
        "warnings": counts,
        "warning_messages": messages,
        "series_with_convergence_warning": len(convergence_ids),
        "convergence_warning_ids": convergence_ids,
        "failures": failures,
        "seconds": {
            "import": round(T_IMPORT - T0, 3),
            "read_csv": round(t_read - t, 3),
            "fit_forecast": round(t_fit - t_read, 3),
            "write": round(t_write - t_fit, 3),
            "total_in_process": round(t_write - T0, 3),
        },
        "peak_rss_kb": peak_rss_kb(),
    }))


def summary(x: np.ndarray) -> dict:
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return {"n": 0}
    q = np.quantile(x, [0.5, 0.9, 0.99])
    return {"n": int(len(x)), "mean": float(np.mean(x)), "median": float(q[0]), "p90": float(q[1]), "p99": float(q[2]), "max": float(np.max(x))}


def compare(spec_json: str) -> None:
    spec = json.loads(spec_json)
    horizon = int(spec["horizon"])
    idc = spec.get("id")
    dtype = {idc: str} if idc else None
    data = dict(series_of(pd.read_csv(spec["data"], dtype=dtype), spec))
    actual_spec = dict(spec, tail=None)
    actuals = dict(series_of(pd.read_csv(spec["actuals"], dtype=dtype), actual_spec))
    ml = pd.read_csv(spec["mlkit"], dtype=dtype)
    py = pd.read_csv(spec["python"], dtype={"id": str})
    py["id"] = py["id"].fillna("")  # the single series is written with an empty id
    if not idc:
        ml["__id"] = ""
        idc_ml = "__id"
    else:
        idc_ml = idc
    ml_by = {str(k): g for k, g in ml.groupby(idc_ml, sort=False)}
    py_by = {str(k): g for k, g in py.groupby("id", sort=False)}
    fallback = set(spec.get("mlkit_fallback_ids") or [])
    convergence = set(spec.get("python_convergence_ids") or [])
    rows = []
    for sid, y in data.items():
        m = ml_by.get(sid)
        p = py_by.get(sid)
        if m is None or p is None or len(m) < horizon or len(p) < horizon:
            rows.append({"id": sid, "missing": True})
            continue
        m = m.iloc[:horizon]
        p = p.sort_values("step").iloc[:horizon]
        scale = float(np.mean(np.abs(np.diff(y))))
        if not scale > 0:
            scale = float(np.std(y)) or 1.0
        fm, fp = m["forecast"].to_numpy(np.float64), p["forecast"].to_numpy(np.float64)
        hm = (m["upper"].to_numpy(np.float64) - m["lower"].to_numpy(np.float64)) / 2
        hp = (p["upper"].to_numpy(np.float64) - p["lower"].to_numpy(np.float64)) / 2
        a = actuals.get(sid)
        row = {
            "id": sid,
            "scale": scale,
            "rel_mad": float(np.mean(np.abs(fm - fp))) / scale,
            "rel_mad_last_step": float(abs(fm[-1] - fp[-1])) / scale,
            "rel_halfwidth_diff": float(np.mean(np.abs(hm - hp))) / scale,
            "halfwidth_ratio": float(np.mean(hm / hp)) if np.all(hp > 0) else float("nan"),
            "fallback": sid in fallback,
            "convergence_warning": sid in convergence,
        }
        if a is not None and len(a) >= horizon:
            a = a[:horizon]
            row["mase_mlkit"] = float(np.mean(np.abs(fm - a))) / scale
            row["mase_python"] = float(np.mean(np.abs(fp - a))) / scale
            row["covered_mlkit"] = float(np.mean((a >= m["lower"].to_numpy()) & (a <= m["upper"].to_numpy())))
            row["covered_python"] = float(np.mean((a >= p["lower"].to_numpy()) & (a <= p["upper"].to_numpy())))
        rows.append(row)
    ok = [r for r in rows if not r.get("missing")]
    col = lambda rs, k: np.array([r.get(k, np.nan) for r in rs], dtype=np.float64)  # noqa: E731
    rel = col(ok, "rel_mad")
    out = {
        "series": len(rows),
        "compared": len(ok),
        "missing": [r["id"] for r in rows if r.get("missing")][:20],
        "scale": "per series: mean |y_t - y_(t-1)| over the points fitted (the MASE scale)",
        "relMeanAbsDiff": summary(rel),
        "relMeanAbsDiffLastStep": summary(col(ok, "rel_mad_last_step")),
        "relMeanAbsDiffIntervalHalfWidth": summary(col(ok, "rel_halfwidth_diff")),
        "intervalHalfWidthRatioMlkitOverPython": summary(col(ok, "halfwidth_ratio")),
        "seriesRelDiffAbove": {str(t): int(np.sum(rel > t)) for t in (0.1, 0.5, 1.0)},
        "worst": sorted(({"id": r["id"], "rel_mad": round(r["rel_mad"], 4), "fallback": r["fallback"], "convergence_warning": r["convergence_warning"]} for r in ok), key=lambda r: -r["rel_mad"])[:5],
        "bySubset": {
            "mlkitFallback": summary(col([r for r in ok if r["fallback"]], "rel_mad")),
            "noMlkitFallback": summary(col([r for r in ok if not r["fallback"]], "rel_mad")),
            "pythonConvergenceWarning": summary(col([r for r in ok if r["convergence_warning"]], "rel_mad")),
        },
    }
    if any("mase_mlkit" in r for r in ok):
        mm, mp = col(ok, "mase_mlkit"), col(ok, "mase_python")
        both = np.isfinite(mm) & np.isfinite(mp)
        out["vsActuals"] = {
            "what": f"the {horizon} held-out points after each series (generated, not in the data): MASE = mean |forecast - actual| / scale",
            "maseMlkit": summary(mm),
            "masePython": summary(mp),
            "mlkitBetter": int(np.sum(mm[both] < mp[both])),
            "pythonBetter": int(np.sum(mp[both] < mm[both])),
            "coverageMlkit": float(np.nanmean(col(ok, "covered_mlkit"))),
            "coveragePython": float(np.nanmean(col(ok, "covered_python"))),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "fit":
        fit(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 3 and sys.argv[1] == "compare":
        compare(sys.argv[2])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)
