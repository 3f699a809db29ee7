"""XGBoost's side of bench/gbdt-vs-xgboost.mjs: one contestant per process, JSON on stdout.

usage: gbdt_xgboost.py VARIANT DIR TREES DEPTH LEARNING_RATE BINS THREADS [--score]

DIR holds what the bench prepared once for both sides:
  prepared.csv  k, hour, day_of_week, month, distance, origin, destination, delayed
                k orders the rows (a seeded shuffle of the flights); the bench's split.json says which k are
                training, validation and test rows, as Lathe's time split on k makes them.
  split.json    {"train": [lo, hi), "valid": [lo, hi), "test": [lo, hi)} ranges of k
  score.csv     the 3M rows to score (the same six features), read only with --score

VARIANT (how the airports, strings in the data, reach XGBoost):
  codes        the lean path: xgb.train on a DMatrix from a float32 numpy matrix, each airport its ordinal
               code (the position in the sorted airports of prepared.csv) as a number
  categorical  xgb.train on a DMatrix from pandas with category columns, enable_categorical=True
               (XGBoost 1.7's native categorical splits, partition-based beyond max_cat_to_onehot = 4)
  sklearn      the typical path: XGBClassifier(enable_categorical=True).fit(pandas frame with categories)
  codes-eval   codes, plus the validation rows as an eval set with logloss, error and auc every round
               (what Lathe computes on its validation rows every round)

Timed (time.perf_counter; "fitCpuSeconds" the process's CPU time over the same span, all threads):
"fitSeconds" from the frames in memory to the trained booster (DMatrix
construction, quantile sketching and boosting; the sklearn fit includes its own DMatrix); "scoreSeconds"
(--score) the 3M rows scored from a frame in memory: predict_proba for sklearn (pandas frame with
categories), inplace_predict on the float32 matrix for codes, predict on a DMatrix built from the pandas
frame for categorical. Reading the CSV files is not timed.
"""
import json
import sys
import time

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.metrics import roc_auc_score

variant, d = sys.argv[1], sys.argv[2]
trees, depth, lr, bins, threads = (
    int(sys.argv[3]),
    int(sys.argv[4]),
    float(sys.argv[5]),
    int(sys.argv[6]),
    int(sys.argv[7]),
)
score = "--score" in sys.argv
FEATURES = ["hour", "day_of_week", "month", "distance", "origin", "destination"]
AIRPORTS = ["origin", "destination"]

dtypes = {"k": np.int64, "hour": np.float32, "day_of_week": np.float32, "month": np.float32,
          "distance": np.float32, "origin": "string", "destination": "string"}
data = pd.read_csv(d + "/prepared.csv", dtype=dtypes)
data["delayed"] = data["delayed"].map({True: 1, False: 0, "true": 1, "false": 0}).astype(np.int32)
split = json.load(open(d + "/split.json"))
# One sorted category list per airport column over every prepared row, for codes and categories alike.
categories = {c: sorted(data[c].dropna().unique()) for c in AIRPORTS}


def frame(df):
    """The six features, airports as pandas categories with the shared category lists."""
    out = df[FEATURES].copy()
    for c in AIRPORTS:
        out[c] = pd.Categorical(df[c], categories=categories[c])
    return out


def codes(df):
    """The six features as float32, airports as ordinal codes (NaN for an airport not in the list)."""
    f = frame(df)
    for c in AIRPORTS:
        f[c] = f[c].cat.codes.astype(np.float32).replace(-1, np.nan)
    return np.ascontiguousarray(f.to_numpy(dtype=np.float32))


def rows(part):
    lo, hi = split[part]
    return data[(data["k"] >= lo) & (data["k"] < hi)]


train, valid, test = rows("train"), rows("valid"), rows("test")
params = {
    "objective": "binary:logistic",
    "tree_method": "hist",
    "max_depth": depth,
    "eta": lr,
    "max_bin": bins,
    "nthread": threads,
    "seed": 0,
}
y_train = train["delayed"].to_numpy()
result = {"variant": variant, "xgboost": xgb.__version__, "trainRows": len(train),
          "validRows": len(valid), "testRows": len(test), "threads": threads}

if variant in ("codes", "codes-eval"):
    x_train, x_test = codes(train), codes(test)
    x_valid = codes(valid) if variant == "codes-eval" else None
    t0, c0 = time.perf_counter(), time.process_time()
    dtrain = xgb.DMatrix(x_train, label=y_train, nthread=threads)
    evals = []
    if variant == "codes-eval":
        dvalid = xgb.DMatrix(x_valid, label=valid["delayed"].to_numpy(), nthread=threads)
        evals = [(dvalid, "valid")]
        params["eval_metric"] = ["logloss", "error", "auc"]
    booster = xgb.train(params, dtrain, num_boost_round=trees, evals=evals, verbose_eval=False)
    result["fitSeconds"] = time.perf_counter() - t0
    result["fitCpuSeconds"] = time.process_time() - c0
    p_test = booster.inplace_predict(x_test)
elif variant == "categorical":
    f_train, f_test = frame(train), frame(test)
    t0, c0 = time.perf_counter(), time.process_time()
    dtrain = xgb.DMatrix(f_train, label=y_train, enable_categorical=True, nthread=threads)
    booster = xgb.train(params, dtrain, num_boost_round=trees)
    result["fitSeconds"] = time.perf_counter() - t0
    result["fitCpuSeconds"] = time.process_time() - c0
    p_test = booster.predict(xgb.DMatrix(f_test, enable_categorical=True, nthread=threads))
elif variant == "sklearn":
    f_train, f_test = frame(train), frame(test)
    model = xgb.XGBClassifier(n_estimators=trees, max_depth=depth, learning_rate=lr, max_bin=bins,
                              tree_method="hist", n_jobs=threads, enable_categorical=True,
                              random_state=0)
    t0, c0 = time.perf_counter(), time.process_time()
    model.fit(f_train, y_train)
    result["fitSeconds"] = time.perf_counter() - t0
    result["fitCpuSeconds"] = time.process_time() - c0
    p_test = model.predict_proba(f_test)[:, 1]
else:
    raise SystemExit(f"unknown variant {variant}")

result["testAuc"] = float(roc_auc_score(test["delayed"].to_numpy(), p_test))

if score:
    s = pd.read_csv(d + "/score.csv", dtype=dtypes)
    result["scoreRows"] = len(s)
    if variant in ("codes", "codes-eval"):
        x = codes(s)
        t0 = time.perf_counter()
        p = booster.inplace_predict(x)
    elif variant == "categorical":
        f = frame(s)
        t0 = time.perf_counter()
        p = booster.predict(xgb.DMatrix(f, enable_categorical=True, nthread=threads))
    else:
        f = frame(s)
        t0 = time.perf_counter()
        p = model.predict_proba(f)[:, 1]
    result["scoreSeconds"] = time.perf_counter() - t0
    result["scoreMean"] = float(np.mean(p))

print(json.dumps(result))
