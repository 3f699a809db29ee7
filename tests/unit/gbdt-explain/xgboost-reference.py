# Reference models for the TreeSHAP tests: trains small XGBoost models (binary, multiclass, regression,
# categorical; features with NaNs) and writes, per model, its dump (with stats), base score, the rows,
# xgboost's raw margins and its pred_contribs. Usage: xgboost-reference.py OUT.json
import json
import math
import sys

import numpy as np
import xgboost as xgb


def nan_to_none(a):
    return [[None if math.isnan(v) else float(v) for v in row] for row in a.tolist()]


def case(name, params, X, y, rounds, base_margin_of, feature_names=None, dmatrix=None):
    d = dmatrix if dmatrix is not None else xgb.DMatrix(X, label=y, feature_names=feature_names)
    params = {'tree_method': 'hist', 'seed': 7, 'nthread': 1, **params}
    b = xgb.train(params, d, rounds)
    base = float(json.loads(b.save_config())['learner']['learner_model_param']['base_score'])
    return {
        'name': name,
        'objective': params['objective'],
        'outputs': int(params.get('num_class', 1)),
        'baseMargin': base_margin_of(base),
        'features': list(b.feature_names) if b.feature_names else [f'f{i}' for i in range(X.shape[1])],
        'categorical': [i for i, t in enumerate(b.feature_types or []) if t == 'c'],
        'trees': [json.loads(t) for t in b.get_dump(dump_format='json', with_stats=True)],
        'x': nan_to_none(X),
        'margin': b.predict(d, output_margin=True).tolist(),
        'contribs': b.predict(d, pred_contribs=True).tolist(),
    }


def main(out):
    rng = np.random.default_rng(14)
    logit = lambda p: math.log(p / (1 - p))
    same = lambda b: b

    n, m = 400, 5
    X = rng.normal(size=(n, m)).astype(np.float32)
    X[rng.random(X.shape) < 0.15] = np.nan
    Xz = np.nan_to_num(X)
    cases = []
    y = (Xz[:, 0] + 0.5 * Xz[:, 1] * Xz[:, 2] - 0.3 * Xz[:, 3] + rng.normal(scale=0.5, size=n) > 0)
    cases.append(case('binary', {'objective': 'binary:logistic', 'max_depth': 4, 'eta': 0.3,
                                 'base_score': 0.3}, X, y.astype(int), 20, logit))
    ym = np.digitize(Xz[:, 0] + Xz[:, 4] + rng.normal(scale=0.3, size=n), [-0.7, 0.7])
    cases.append(case('multiclass', {'objective': 'multi:softprob', 'num_class': 3, 'max_depth': 3,
                                     'eta': 0.4}, X, ym, 8, same))
    yr = 5 + 2 * Xz[:, 0] - Xz[:, 1] ** 2 + np.where(np.isnan(X[:, 2]), 3, 0) + rng.normal(size=n)
    cases.append(case('regression', {'objective': 'reg:squarederror', 'max_depth': 6, 'eta': 0.2,
                                     'base_score': 4.5, 'lambda': 2, 'min_child_weight': 3},
                      X, yr, 25, same))

    import pandas as pd
    c = rng.integers(0, 7, n).astype(np.float32)
    c[rng.random(n) < 0.1] = np.nan
    v = rng.normal(size=n).astype(np.float32)
    yc = (np.isin(np.nan_to_num(c, nan=-1), [1, 4, 5]) + 0.8 * np.nan_to_num(v) + rng.normal(scale=0.4, size=n) > 0.6)
    df = pd.DataFrame({'code': pd.Categorical(c, categories=np.arange(7, dtype=np.float32)), 'v': v})
    d = xgb.DMatrix(df, label=yc.astype(int), enable_categorical=True)
    cases.append(case('categorical', {'objective': 'binary:logistic', 'max_depth': 3, 'eta': 0.3,
                                      'max_cat_to_onehot': 1}, np.stack([c, v], 1), yc.astype(int),
                      10, logit, dmatrix=d))
    with open(out, 'w') as f:
        json.dump({'xgboost': xgb.__version__, 'cases': cases}, f)


main(sys.argv[1])
