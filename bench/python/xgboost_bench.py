#!/usr/bin/env python3
"""Python side of mlkit's XGBoost benchmark (bench/xgboost.ts).

Two modes:

  train <csv> <model_out> <params_json>
      The timed run: pandas.read_csv (the text columns listed in params_json's "categorical" read
      straight into pandas categoricals, whose levels pandas sorts, as mlkit's `pipeline: auto` does;
      empty numeric cells NaN) -> xgb.DMatrix(enable_categorical=True) -> xgb.train -> save_model (JSON),
      the same work `mlkit train` does on the native engine (native categorical splits on both sides, no
      one-hot). Prints one JSON line on stdout: stage timings, versions and this process's peak RSS (used
      when GNU time is missing). Nothing else is computed, so that the wall time of the whole process
      compares like for like with mlkit's.

  check <csv> <model> [<model> ...] [--categorical c1,c2]
      Untimed: loads the CSV (as train does) and each model (XGBoost JSON, e.g. Python's and the one in
      mlkit's bundle), prints AUC and logloss on the training data for each, and the largest absolute
      difference between the first model's predictions and every other's.
"""
import json
import resource
import sys
import time

T0 = time.perf_counter()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import xgboost as xgb  # noqa: E402

T_IMPORT = time.perf_counter()


def peak_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux


def load(csv: str, categorical: list):
    df = pd.read_csv(csv, dtype={c: "category" for c in categorical})
    for c in categorical:
        levels = list(df[c].cat.categories)
        if levels != sorted(levels):  # pandas sorts inferred categories; make sure (mlkit's codes are sorted levels)
            df[c] = df[c].cat.reorder_categories(sorted(levels))
    y = df.pop("y")
    return df, y


def dmatrix(x, y):
    return xgb.DMatrix(x, label=y, enable_categorical=True)


def train(csv: str, model_out: str, params_json: str) -> None:
    spec = json.loads(params_json)
    num_round = int(spec.pop("num_round"))
    categorical = list(spec.pop("categorical", []))
    t = time.perf_counter()
    x, y = load(csv, categorical)
    t_read = time.perf_counter()
    dtrain = dmatrix(x, y)
    t_dmat = time.perf_counter()
    bst = xgb.train(spec, dtrain, num_boost_round=num_round)
    t_train = time.perf_counter()
    bst.save_model(model_out)
    t_save = time.perf_counter()
    print(json.dumps({
        "python": sys.version.split()[0],
        "xgboost": xgb.__version__,
        "pandas": pd.__version__,
        "rows": int(x.shape[0]),
        "cols": int(x.shape[1]),
        "categorical": {c: int(len(x[c].cat.categories)) for c in categorical},
        "rounds": bst.num_boosted_rounds(),
        "seconds": {
            "import": round(T_IMPORT - T0, 3),
            "read_csv": round(t_read - t, 3),
            "dmatrix": round(t_dmat - t_read, 3),
            "train": round(t_train - t_dmat, 3),
            "save": round(t_save - t_train, 3),
            "total_in_process": round(t_save - T0, 3),
        },
        "peak_rss_kb": peak_rss_kb(),
    }))


def auc(y: np.ndarray, p: np.ndarray) -> float:
    # rank-based (Mann-Whitney) AUC with average ranks for ties
    order = np.argsort(p, kind="mergesort")
    ps = p[order]
    n = len(p)
    ranks = np.empty(n, dtype=np.float64)
    # 1-based average ranks over ties
    _, start, counts = np.unique(ps, return_index=True, return_counts=True)
    avg = start + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    pos = y == 1
    n_pos = int(pos.sum())
    n_neg = n - n_pos
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def logloss(y: np.ndarray, p: np.ndarray) -> float:
    q = np.clip(p.astype(np.float64), 1e-15, 1 - 1e-15)
    return float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))


def check(csv: str, models: list, categorical: list) -> None:
    x, y = load(csv, categorical)
    d = dmatrix(x, y)
    yv = y.to_numpy().astype(np.float64)
    out = {"rows": int(x.shape[0]), "models": []}
    first = None
    for m in models:
        bst = xgb.Booster(model_file=m)
        p = bst.predict(d)
        entry = {"model": m, "rounds": bst.num_boosted_rounds(), "auc": round(auc(yv, p), 6), "logloss": round(logloss(yv, p), 6),
                 "accuracy": round(float(np.mean((p > 0.5) == (yv == 1))), 6)}
        if first is None:
            first = p
        else:
            entry["max_abs_diff_vs_first"] = float(np.max(np.abs(p.astype(np.float64) - first.astype(np.float64))))
        out["models"].append(entry)
    print(json.dumps(out))


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "train":
        train(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) >= 4 and sys.argv[1] == "check":
        rest = sys.argv[3:]
        cats = []
        if "--categorical" in rest:
            k = rest.index("--categorical")
            cats = [c for c in rest[k + 1].split(",") if c] if k + 1 < len(rest) else []
            rest = rest[:k] + rest[k + 2:]
        check(sys.argv[2], rest, cats)
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)
