#!/usr/bin/python3
"""Generates the forecasting golden files in tests/golden/forecast/ with statsmodels.

Run from the repository root with the system Python (statsmodels 0.13.5, numpy 1.24,
pandas 1.5.3 -- Debian packages; `apt-get install -y python3-statsmodels`):

    /usr/bin/python3 tests/golden/forecast/gen_statsmodels.py

(The `python3` first on PATH may be a different interpreter without these packages; call
/usr/bin/python3 explicitly.) The versions actually used are written into the outputs.

Input: ../shared/datasets/forecasting/prophet_examples/example_air_passengers.csv (relative to
the repository root; CR-only line endings, columns ds,y; monthly 1949-01-01..1960-12-01, 144 rows).

Outputs (beside this script):

- air_passengers.csv: the same data as a plain LF CSV with header `ds,y`, so tests do not need
  ../shared. The models below are fitted on the values re-read from this file.
- air_passengers_sarima.json: train 1949-01..1959-12 (132 points), test 1960-01..1960-12
  (horizon 12).
    * "sarima": for variants "raw" (y) and "log" (log y), statsmodels
      SARIMAX(order=(0,1,1), seasonal_order=(0,1,1,12)) with default options (trend none),
      fit(disp=False), get_forecast(12): fitted params (name -> value), loglik/aic, forecast
      timestamps, mean, se (standard error of the mean forecast), lower/upper at levels 0.9
      (alpha=0.1) and 0.95 (alpha=0.05), the 1960 actuals and the MAPE of the mean forecast.
      For "log" the mean/se/intervals are on the log scale; additionally mean_exp = exp(mean)
      (back-transformed point forecast, i.e. the median, no bias adjustment) and exp() of the
      interval bounds; its MAPE is of mean_exp.
    * "baselines": naive, seasonal_naive (m=12) and drift forecasts with MAE, RMSE, MAPE, sMAPE
      and MASE (plain numpy; formulas described in the JSON under "metric_definitions").
- air_passengers_sarima_forecast.csv: columns ds,actual,raw_mean,raw_lower90,raw_upper90,
  log_mean_exp,log_lower90_exp,log_upper90_exp for quick viewing.

All numbers are written at full double precision (Python repr / shortest round-trip).
"""
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
import statsmodels
from statsmodels.tsa.statespace.sarimax import SARIMAX

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent.parent
SRC = REPO.parent / "shared" / "datasets" / "forecasting" / "prophet_examples" / "example_air_passengers.csv"

TRAIN_END = "1959-12-01"
HORIZON = 12
M = 12
ORDER = (0, 1, 1)
SEASONAL_ORDER = (0, 1, 1, 12)
LEVELS = [0.9, 0.95]


def fl(x):
    """Plain Python float (json writes repr, i.e. shortest round-trip)."""
    return float(x)


def fls(a):
    return [fl(v) for v in np.asarray(a, dtype=float)]


def level_key(level):
    return str(level)  # "0.9", "0.95"


def copy_dataset():
    raw = SRC.read_bytes().decode("utf-8")
    lines = [l for l in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n") if l.strip()]
    if lines[0].strip() != "ds,y":
        raise SystemExit(f"unexpected header in {SRC}: {lines[0]!r}")
    rows = [l.strip().split(",") for l in lines[1:]]
    if len(rows) != 144:
        raise SystemExit(f"expected 144 rows, got {len(rows)}")
    out = HERE / "air_passengers.csv"
    with open(out, "w", newline="\n") as f:
        f.write("ds,y\n")
        for ds, y in rows:
            f.write(f"{ds},{y}\n")
    return out


def load():
    df = pd.read_csv(HERE / "air_passengers.csv", parse_dates=["ds"])
    s = pd.Series(df["y"].astype(float).values, index=pd.DatetimeIndex(df["ds"], freq="MS"), name="y")
    assert s.index[0] == pd.Timestamp("1949-01-01") and s.index[-1] == pd.Timestamp("1960-12-01")
    return s


def mape(y, f):
    y = np.asarray(y, float)
    f = np.asarray(f, float)
    return fl(np.mean(np.abs((y - f) / y)) * 100.0)


def fit_sarima(train, test, log):
    endog = np.log(train) if log else train
    model = SARIMAX(endog, order=ORDER, seasonal_order=SEASONAL_ORDER)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = model.fit(disp=False)
        fc = res.get_forecast(HORIZON)
    mean = np.asarray(fc.predicted_mean, float)
    se = np.asarray(fc.se_mean, float)
    out = {
        "endog": "log(y)" if log else "y",
        "params": {name: fl(v) for name, v in zip(res.model.param_names, res.params)},
        "param_names": list(res.model.param_names),
        "llf": fl(res.llf),
        "aic": fl(res.aic),
        "bic": fl(res.bic),
        "nobs": int(res.nobs),
        "converged": bool(res.mle_retvals.get("converged", True)) if res.mle_retvals else None,
        "warnings": sorted({f"{w.category.__name__}: {w.message}" for w in caught}),
        "ds": [d.strftime("%Y-%m-%d") for d in fc.predicted_mean.index],
        "mean": fls(mean),
        "se": fls(se),
        "intervals": {},
        "actual": fls(test.values),
    }
    for level in LEVELS:
        alpha = round(1.0 - level, 10)
        ci = np.asarray(fc.conf_int(alpha=alpha), float)
        out["intervals"][level_key(level)] = {"alpha": alpha, "lower": fls(ci[:, 0]), "upper": fls(ci[:, 1])}
    if log:
        out["mean_exp"] = fls(np.exp(mean))
        out["intervals_exp"] = {
            k: {"alpha": v["alpha"], "lower": fls(np.exp(v["lower"])), "upper": fls(np.exp(v["upper"]))}
            for k, v in out["intervals"].items()
        }
        out["mape"] = mape(test.values, np.exp(mean))
        out["mape_of"] = "mean_exp"
    else:
        out["mape"] = mape(test.values, mean)
        out["mape_of"] = "mean"
    return out


def accuracy(y, f, train):
    y = np.asarray(y, float)
    f = np.asarray(f, float)
    tr = np.asarray(train, float)
    e = y - f
    scale = np.mean(np.abs(tr[M:] - tr[:-M]))
    return {
        "mae": fl(np.mean(np.abs(e))),
        "rmse": fl(np.sqrt(np.mean(e ** 2))),
        "mape": fl(np.mean(np.abs(e / y)) * 100.0),
        "smape": fl(np.mean(2.0 * np.abs(e) / (np.abs(y) + np.abs(f))) * 100.0),
        "mase": fl(np.mean(np.abs(e)) / scale),
    }


def baselines(train, test):
    tr = np.asarray(train, float)
    n = len(tr)
    h = np.arange(1, HORIZON + 1)
    last = tr[-1]
    naive = np.full(HORIZON, last)
    # y_{n+h} = y_{n+h-m*(floor((h-1)/m)+1)}
    k = (h - 1) // M + 1
    snaive = tr[n + h - M * k - 1]
    drift = last + h * (last - tr[0]) / (n - 1)
    scale = np.mean(np.abs(tr[M:] - tr[:-M]))
    out = {"mase_scale": fl(scale)}
    for name, f in [("naive", naive), ("seasonal_naive", snaive), ("drift", drift)]:
        out[name] = {"mean": fls(f), **accuracy(test.values, f, tr)}
    return out


def main():
    copy_dataset()
    s = load()
    train = s[:TRAIN_END]
    test = s[pd.Timestamp(TRAIN_END) + pd.offsets.MonthBegin(1):]
    assert len(train) == 132 and len(test) == HORIZON

    versions = {
        "statsmodels": statsmodels.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
        "python": sys.version.split()[0],
    }
    sarima = {"raw": fit_sarima(train, test, log=False), "log": fit_sarima(train, test, log=True)}
    doc = {
        "description": "AirPassengers (Box & Jenkins), monthly 1949-01..1960-12. Train 1949-01..1959-12, "
                       "forecast 1960-01..1960-12. Generated by tests/golden/forecast/gen_statsmodels.py.",
        "versions": versions,
        "data": "air_passengers.csv",
        "frequency": "MS",
        "train_start": "1949-01-01",
        "train_end": TRAIN_END,
        "n_train": int(len(train)),
        "horizon": HORIZON,
        "test_ds": [d.strftime("%Y-%m-%d") for d in test.index],
        "actual": fls(test.values),
        "model": {
            "library": "statsmodels.tsa.statespace.sarimax.SARIMAX",
            "order": list(ORDER),
            "seasonal_order": list(SEASONAL_ORDER),
            "trend": None,
            "options": "statsmodels defaults (enforce_stationarity=True, enforce_invertibility=True, "
                       "simple_differencing=False, concentrate_scale=False); fit(disp=False); get_forecast(12); "
                       "conf_int(alpha) with alpha = 1 - level",
        },
        "levels": LEVELS,
        "sarima": sarima,
        "baselines": baselines(train, test),
        "metric_definitions": {
            "notation": "y = actual test values (1960), f = forecast, e = y - f, mean over the h=12 test points; "
                        "x_1..x_n = training values (n=132)",
            "mae": "mean(|e|)",
            "rmse": "sqrt(mean(e^2))",
            "mape": "mean(|e / y|) * 100",
            "smape": "mean(2 |e| / (|y| + |f|)) * 100",
            "mase": "mean(|e|) / scale, scale = mean_{t=m+1..n}(|x_t - x_{t-m}|) with m = 12 "
                    "(in-sample seasonal naive MAE; Hyndman & Koehler 2006, as R forecast::accuracy); "
                    "value in baselines.mase_scale",
            "naive": "f_{n+h} = x_n",
            "seasonal_naive": "f_{n+h} = x_{n+h-m*(floor((h-1)/m)+1)}, m = 12",
            "drift": "f_{n+h} = x_n + h * (x_n - x_1) / (n - 1)",
            "sarima_mape": "MAPE of sarima.raw.mean; for sarima.log of mean_exp = exp(mean)",
        },
    }
    with open(HERE / "air_passengers_sarima.json", "w", newline="\n") as f:
        json.dump(doc, f, indent=2, allow_nan=False)
        f.write("\n")

    raw, lg = sarima["raw"], sarima["log"]
    with open(HERE / "air_passengers_sarima_forecast.csv", "w", newline="\n") as f:
        f.write("ds,actual,raw_mean,raw_lower90,raw_upper90,log_mean_exp,log_lower90_exp,log_upper90_exp\n")
        for i in range(HORIZON):
            vals = [doc["actual"][i], raw["mean"][i], raw["intervals"]["0.9"]["lower"][i],
                    raw["intervals"]["0.9"]["upper"][i], lg["mean_exp"][i],
                    lg["intervals_exp"]["0.9"]["lower"][i], lg["intervals_exp"]["0.9"]["upper"][i]]
            f.write(raw["ds"][i] + "," + ",".join(repr(v) for v in vals) + "\n")

    print("versions:", versions)
    for k in ("raw", "log"):
        v = sarima[k]
        print(f"sarima {k}: params={v['params']} converged={v['converged']} MAPE={v['mape']:.4f}%"
              + (f" warnings={v['warnings']}" if v["warnings"] else ""))
    b = doc["baselines"]
    for k in ("naive", "seasonal_naive", "drift"):
        print(f"{k}: " + " ".join(f"{m}={b[k][m]:.4f}" for m in ("mae", "rmse", "mape", "smape", "mase")))


if __name__ == "__main__":
    main()
