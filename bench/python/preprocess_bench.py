#!/usr/bin/env python3
"""Python side of mlkit's preprocess benchmark (bench/preprocess.ts).

Modes:

  run <csv> <out> <csv|parquet>
      The timed run: pandas.read_csv -> scikit-learn ColumnTransformer
      (num: SimpleImputer(median) + StandardScaler on the numeric columns; cat: OneHotEncoder
      (handle_unknown='ignore', dense) on the text columns; remainder='drop') .fit_transform ->
      DataFrame named by get_feature_names_out() -> to_csv(index=False) or to_parquet (pyarrow).
      The same work as `mlkit preprocess CONFIG --out FILE`. Prints one JSON line on stdout: stage
      timings, versions and this process's peak RSS (used when GNU time is missing).

  has-parquet
      Exit 0 when DataFrame.to_parquet can work here (pyarrow or fastparquet importable).

  compare <mlkit.csv> <python.csv>
      Untimed: reads both outputs back (float64) and reports whether the column names agree (names and
      order) and the largest differences over every row: |a - b| / max(1, |a|, |b|) (relative, with an
      absolute floor of 1 for values near 0, as standardized values are O(1)) and |a - b|, the number
      of values beyond 1e-9 of that measure, and NaN counts.
"""
import json
import resource
import sys
import time

T0 = time.perf_counter()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

TOL = 1e-9


def peak_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux


def run(csv: str, out: str, fmt: str) -> None:
    import sklearn
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    t_import = time.perf_counter()
    df = pd.read_csv(csv)
    t_read = time.perf_counter()
    try:
        ohe = OneHotEncoder(handle_unknown="ignore", sparse_output=False)  # scikit-learn >= 1.2
    except TypeError:
        ohe = OneHotEncoder(handle_unknown="ignore", sparse=False)  # older
    ct = ColumnTransformer(
        [
            ("num", Pipeline([("imputer", SimpleImputer(strategy="median")), ("scaler", StandardScaler())]),
             make_column_selector(dtype_include=np.number)),
            ("cat", ohe, make_column_selector(dtype_include=object)),
        ],
        remainder="drop",
    )
    x = ct.fit_transform(df)
    t_fit = time.perf_counter()
    frame = pd.DataFrame(x, columns=ct.get_feature_names_out())
    t_frame = time.perf_counter()
    if fmt == "parquet":
        frame.to_parquet(out, index=False)
    else:
        frame.to_csv(out, index=False)
    t_write = time.perf_counter()
    print(json.dumps({
        "python": sys.version.split()[0],
        "pandas": pd.__version__,
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "rows": int(frame.shape[0]),
        "cols": int(frame.shape[1]),
        "format": fmt,
        "seconds": {
            "import": round(t_import - T0, 3),
            "read_csv": round(t_read - t_import, 3),
            "fit_transform": round(t_fit - t_read, 3),
            "frame": round(t_frame - t_fit, 3),
            "write": round(t_write - t_frame, 3),
            "total_in_process": round(t_write - T0, 3),
        },
        "peak_rss_kb": peak_rss_kb(),
    }))


def has_parquet() -> int:
    for m in ("pyarrow", "fastparquet"):
        try:
            __import__(m)
            return 0
        except ImportError:
            pass
    return 1


def compare(a_path: str, b_path: str) -> None:
    a = pd.read_csv(a_path, dtype=np.float64)
    b = pd.read_csv(b_path, dtype=np.float64)
    res = {
        "rows": [int(a.shape[0]), int(b.shape[0])],
        "columns": [int(a.shape[1]), int(b.shape[1])],
        "sameColumnNames": list(a.columns) == list(b.columns),
        "sameColumnSet": set(a.columns) == set(b.columns),
        "tolerance": TOL,
        "measure": "|a-b| / max(1, |a|, |b|)",
    }
    if set(a.columns) != set(b.columns):
        res["onlyMlkit"] = sorted(set(a.columns) - set(b.columns))[:20]
        res["onlyPython"] = sorted(set(b.columns) - set(a.columns))[:20]
    common = [c for c in a.columns if c in set(b.columns)]
    if a.shape[0] == b.shape[0] and common:
        x = a[common].to_numpy()
        y = b[common].to_numpy()
        nan_x, nan_y = np.isnan(x), np.isnan(y)
        diff = np.abs(x - y)
        diff[nan_x & nan_y] = 0.0
        rel = diff / np.maximum(1.0, np.maximum(np.abs(x), np.abs(y)))
        rel = np.where(nan_x ^ nan_y, np.inf, rel)
        worst = np.unravel_index(np.nanargmax(rel), rel.shape) if rel.size else None
        per_col = np.nanmax(rel, axis=0)
        res.update({
            "comparedRows": int(x.shape[0]),
            "comparedValues": int(x.size),
            "maxRelDiff": float(np.nanmax(rel)),
            "maxAbsDiff": float(np.nanmax(np.where(nan_x ^ nan_y, np.inf, diff))),
            "valuesBeyondTolerance": int((rel > TOL).sum()),
            "nanMlkit": int(nan_x.sum()),
            "nanPython": int(nan_y.sum()),
            "worst": None if worst is None else {
                "row": int(worst[0]), "column": common[worst[1]],
                "mlkit": float(x[worst]), "python": float(y[worst]),
            },
            "worstColumns": {common[j]: float(per_col[j]) for j in np.argsort(-per_col)[:3]},
        })
        res["agree"] = bool(res["sameColumnNames"] and res["valuesBeyondTolerance"] == 0 and res["nanMlkit"] == res["nanPython"])
    else:
        res["agree"] = False
    print(json.dumps(res))


def main(argv):
    if len(argv) >= 4 and argv[0] == "run":
        run(argv[1], argv[2], argv[3])
    elif argv and argv[0] == "has-parquet":
        sys.exit(has_parquet())
    elif len(argv) == 3 and argv[0] == "compare":
        compare(argv[1], argv[2])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv[1:])
