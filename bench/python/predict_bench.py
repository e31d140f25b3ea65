#!/usr/bin/env python3
"""Python side of mlkit's predict benchmark (bench/predict.ts).

Modes:

  train <train_csv> <model_out> <params_json>
      Untimed: pandas.read_csv (the text column as a pandas category with its sorted levels, as mlkit's
      `pipeline: auto` codes them), xgb.DMatrix(enable_categorical=True), xgb.train, save_model (JSON).
      Also writes <model_out>.meta.json: the feature columns, the categorical levels and the classes,
      which the predict mode needs (an XGBoost 1.7 model file does not keep category names).

  predict <model> <data_csv> <out_csv>
      The timed run: pandas.read_csv of the feature columns (usecols; the text column read straight into
      the training categories, unknown levels become missing), xgb.DMatrix(enable_categorical=True), booster.predict, a DataFrame
      with the columns mlkit writes (prediction, proba_<class> per class), to_csv(index=False).
      Prints one JSON line on stdout: stage timings, rows and this process's peak RSS.

  compare <mlkit_out_csv> <python_out_csv> [<data_csv> <python_model> <mlkit_model_json>]
      Untimed: row counts, same columns, max |proba difference| per class column, share of equal
      predicted classes; with the last three arguments also Python predicting with mlkit's own model
      file (the model in mlkit's bundle) against mlkit's output, which separates the predict path from
      training differences.
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


def meta_path(model: str) -> str:
    return model + ".meta.json"


def read_features(csv: str, meta: dict):
    dtype = {c: pd.CategoricalDtype(categories=levels) for c, levels in meta["categories"].items()}
    df = pd.read_csv(csv, dtype=dtype, usecols=meta["features"])  # the features only (not the label)
    return df if list(df.columns) == meta["features"] else df[meta["features"]]


def train(csv: str, model_out: str, params_json: str) -> None:
    spec = json.loads(params_json)
    target = spec.pop("target")
    num_round = int(spec.pop("num_round"))
    t = time.perf_counter()
    df = pd.read_csv(csv)
    y_raw = df.pop(target)
    categories = {}
    for c in df.columns:
        if df[c].dtype == object:
            levels = sorted(str(v) for v in df[c].dropna().unique())
            categories[c] = levels
            df[c] = df[c].astype(pd.CategoricalDtype(categories=levels))
    classes = sorted(y_raw.dropna().unique().tolist())
    if len(classes) != 2:
        raise SystemExit(f"expected 2 classes, got {classes}")
    y = (y_raw == classes[1]).astype(np.float32)
    t_read = time.perf_counter()
    dtrain = xgb.DMatrix(df, label=y, enable_categorical=True)
    bst = xgb.train({"objective": "binary:logistic", **spec}, dtrain, num_boost_round=num_round)
    bst.save_model(model_out)
    meta = {"features": list(df.columns), "categories": categories, "classes": [str(c) for c in classes], "target": target}
    with open(meta_path(model_out), "w") as f:
        json.dump(meta, f)
    print(json.dumps({
        "python": sys.version.split()[0], "xgboost": xgb.__version__, "pandas": pd.__version__, "numpy": np.__version__,
        "rows": int(df.shape[0]), "features": meta["features"], "categories": categories, "classes": meta["classes"],
        "rounds": bst.num_boosted_rounds(),
        "seconds": {"read": round(t_read - t, 3), "train": round(time.perf_counter() - t_read, 3)},
    }))


def output_frame(p: np.ndarray, classes: list) -> pd.DataFrame:
    # the same columns as mlkit's predict: the class with the largest probability (ties: the first),
    # then one probability column per class
    return pd.DataFrame({
        "prediction": np.where(p > 0.5, classes[1], classes[0]),
        f"proba_{classes[0]}": 1.0 - p,
        f"proba_{classes[1]}": p,
    })


def predict(model: str, csv: str, out_csv: str) -> None:
    t = time.perf_counter()
    with open(meta_path(model)) as f:
        meta = json.load(f)
    bst = xgb.Booster(model_file=model)
    t_load = time.perf_counter()
    x = read_features(csv, meta)
    t_read = time.perf_counter()
    d = xgb.DMatrix(x, enable_categorical=True)
    t_dmat = time.perf_counter()
    p = bst.predict(d)
    t_pred = time.perf_counter()
    out = output_frame(p, meta["classes"])
    t_frame = time.perf_counter()
    out.to_csv(out_csv, index=False)
    t_write = time.perf_counter()
    print(json.dumps({
        "rows": int(x.shape[0]),
        "seconds": {
            "import": round(T_IMPORT - T0, 3),
            "load_model": round(t_load - t, 3),
            "read_csv": round(t_read - t_load, 3),
            "dmatrix": round(t_dmat - t_read, 3),
            "predict": round(t_pred - t_dmat, 3),
            "frame": round(t_frame - t_pred, 3),
            "to_csv": round(t_write - t_frame, 3),
            "total_in_process": round(t_write - T0, 3),
        },
        "peak_rss_kb": peak_rss_kb(),
    }))


def compare(mlkit_out: str, py_out: str, extra: list) -> None:
    a = pd.read_csv(mlkit_out, dtype={"prediction": str})
    b = pd.read_csv(py_out, dtype={"prediction": str})
    res = {"rows": {"mlkit": int(a.shape[0]), "python": int(b.shape[0])},
           "columns": {"mlkit": list(a.columns), "python": list(b.columns)},
           "sameColumns": list(a.columns) == list(b.columns)}
    if a.shape[0] == b.shape[0]:
        diffs = {}
        for c in a.columns:
            if c.startswith("proba_") and c in b.columns:
                diffs[c] = float(np.max(np.abs(a[c].to_numpy(np.float64) - b[c].to_numpy(np.float64))))
        res["maxAbsProbaDiff"] = diffs
        res["maxAbsDiff"] = max(diffs.values()) if diffs else None
        if "prediction" in a.columns and "prediction" in b.columns:
            res["predictionAgreement"] = float(np.mean(a["prediction"].to_numpy() == b["prediction"].to_numpy()))
    if len(extra) == 3:
        data_csv, py_model, mlkit_model = extra
        with open(meta_path(py_model)) as f:
            meta = json.load(f)
        d = xgb.DMatrix(read_features(data_csv, meta), enable_categorical=True)
        p_mlkit_model = xgb.Booster(model_file=mlkit_model).predict(d).astype(np.float64)
        p_py_model = xgb.Booster(model_file=py_model).predict(d).astype(np.float64)
        col = f"proba_{meta['classes'][1]}"
        res["positiveColumn"] = col
        if col in a.columns and len(p_mlkit_model) == a.shape[0]:
            # the predict path alone: Python predicting with the model file in mlkit's bundle vs mlkit's output
            res["maxAbsDiffMlkitOutputVsPythonWithMlkitModel"] = float(np.max(np.abs(a[col].to_numpy(np.float64) - p_mlkit_model)))
        # training alone: the two models on the same DMatrix
        res["maxAbsDiffModels"] = float(np.max(np.abs(p_mlkit_model - p_py_model)))
    print(json.dumps(res))


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "train":
        train(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) >= 5 and sys.argv[1] == "predict":
        predict(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) in (4, 7) and sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)
