#!/usr/bin/python3
"""Generates the scikit-learn golden files for tests/pipeline-sklearn.test.ts.

Run from anywhere with a Python that has scikit-learn 1.2.1, pandas 1.5.3 and numpy 1.24
(on the CI machines: /usr/bin/python3):

    /usr/bin/python3 tests/golden/sklearn/gen_sklearn.py

It reads UCI Adult and California housing from ../shared/datasets (relative to the repository
root), takes seeded subsamples, writes them as input CSVs beside this script, re-reads those CSVs
(so scikit-learn sees exactly the values the TypeScript test reads), fits each transformer and
writes the expected output as CSV plus one JSON manifest per case:

    { "name", "transformer", "params", "fit", "transform", "transform_head", "columns",
      "expected", "output_columns", "dropped"?, "expect_error"?, "dtypes"? , "sklearn" }

- `fit` / `transform`: input CSV files (in this folder); `transform_head`: only the first n rows
  of `transform` are transformed (keeps expected files small).
- `columns`: the input columns the transformer is given (in this order).
- `dtypes`: column dtypes the test must cast to after reading (all-missing columns).
- `expected`: CSV with one column per output feature (scikit-learn's get_feature_names_out);
  numbers in shortest round-trip form (repr), NaN as `nan`; text outputs as text.
- `expect_error`: transform must fail; {"column", "value"} name the unknown category.

ColumnTransformer cases (kind "column_transformer") carry the scikit-learn spec as text and as a
structured `spec` for the mlkit ColumnTransformer test.

Missing values: the input CSVs write them as empty fields (Adult's `?` becomes empty).
"""
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (MinMaxScaler, OneHotEncoder, OrdinalEncoder, RobustScaler,
                                   StandardScaler)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SHARED = (ROOT / '..' / 'shared' / 'datasets' / 'tabular').resolve()
SEED = 20240601
N_FIT = 1500
N_HELDOUT = 200
HEAD = 200

ADULT_NUM = ['age', 'fnlwgt', 'education_num', 'capital_gain', 'capital_loss', 'hours_per_week']
ADULT_CAT = ['workclass', 'education', 'marital_status', 'occupation', 'relationship', 'race', 'sex',
             'native_country']
HOUSING_NUM = ['longitude', 'latitude', 'housing_median_age', 'total_rooms', 'total_bedrooms',
               'population', 'households', 'median_income', 'median_house_value']

assert sklearn.__version__ == '1.2.1', f'expected scikit-learn 1.2.1, got {sklearn.__version__}'


# ---------------------------------------------------------------------------------------------- io

def fmt(v):
    """A cell of an expected file: shortest round-trip float, integers without '.0', NaN as 'nan'."""
    if v is None:
        return ''
    if isinstance(v, str):
        return v
    f = float(v)
    if math.isnan(f):
        return 'nan'
    if math.isinf(f):
        return 'inf' if f > 0 else '-inf'
    if f == int(f) and abs(f) < 1e15 and not (f == 0 and math.copysign(1, f) < 0):
        return str(int(f))
    return repr(f)


def write_expected(name, names, values):
    """values: 2D array-like (rows x cols), object or float."""
    arr = np.asarray(values, dtype=object)
    df = pd.DataFrame([[fmt(v) for v in row] for row in arr], columns=list(names))
    df.to_csv(HERE / name, index=False)


def write_input(df, name):
    df.to_csv(HERE / name, index=False, na_rep='')


def read_input(name, dtypes=None):
    # keep_default_na: empty fields are NaN (as mlkit reads them); no other token appears in the data
    return pd.read_csv(HERE / name, dtype=dtypes or None, keep_default_na=False, na_values=[''])


def write_manifest(case):
    with open(HERE / f"{case['name']}.json", 'w') as f:
        json.dump(case, f, indent=2, allow_nan=False)
        f.write('\n')


def to_dense(x):
    return x.toarray() if hasattr(x, 'toarray') else np.asarray(x)


# ---------------------------------------------------------------------------------------- datasets

def make_inputs():
    rng = np.random.RandomState(SEED)
    adult = pd.read_csv(SHARED / 'uci_adult' / 'adult_train.csv', na_values='?', keep_default_na=False)
    adult_test = pd.read_csv(SHARED / 'uci_adult' / 'adult_test.csv', na_values='?', keep_default_na=False)
    cols = ADULT_NUM[:1] + ['workclass', 'fnlwgt', 'education', 'education_num', 'marital_status',
                            'occupation', 'relationship', 'race', 'sex', 'capital_gain', 'capital_loss',
                            'hours_per_week', 'native_country']
    fit = adult.iloc[np.sort(rng.choice(len(adult), N_FIT, replace=False))][cols]
    # held-out rows from the test file: mostly random, plus rows with levels the fit sample lacks
    seen = {c: set(fit[c].dropna()) for c in ADULT_CAT}
    unseen_rows = [i for i, row in enumerate(adult_test[ADULT_CAT].itertuples(index=False))
                   if any(isinstance(v, str) and v not in seen[c] for c, v in zip(ADULT_CAT, row))]
    pick_unseen = list(rng.choice(unseen_rows, min(12, len(unseen_rows)), replace=False))
    rest = [i for i in range(len(adult_test)) if i not in set(unseen_rows)]
    pick = sorted(pick_unseen + list(rng.choice(rest, N_HELDOUT - len(pick_unseen), replace=False)))
    heldout = adult_test.iloc[pick][cols]
    write_input(fit, 'adult_fit.csv')
    write_input(heldout, 'adult_heldout.csv')

    housing = pd.read_csv(SHARED / 'california_housing' / 'housing.csv')
    island = np.flatnonzero(housing['ocean_proximity'].values == 'ISLAND')
    others = np.setdiff1d(np.arange(len(housing)), island)
    perm = rng.permutation(others)
    fit_idx = np.sort(perm[:N_FIT])
    missing_pool = [i for i in perm[N_FIT:] if pd.isna(housing.loc[i, 'total_bedrooms'])][:6]
    rest = [i for i in perm[N_FIT:] if i not in set(missing_pool)]
    held_idx = np.sort(np.concatenate([island[:2], missing_pool, rest[:N_HELDOUT - 2 - len(missing_pool)]]))
    write_input(housing.iloc[fit_idx], 'housing_fit.csv')
    write_input(housing.iloc[held_idx], 'housing_heldout.csv')

    # hand-made edge cases
    nan = np.nan
    edge_fit = pd.DataFrame({
        'const_num': [0.1] * 10,
        'const_int': [7] * 10,
        'all_missing_num': [nan] * 10,
        'num': [1.0, 2.0, nan, 4.0, 4.0, 2.0, 10.0, -3.5, 0.25, 6.0],
        'const_text': ['x'] * 10,
        'all_missing_text': [nan] * 10,
        'cat': ['c', 'a', 'b', 'a', 'd', 'b', 'a', nan, 'c', 'e'],
        'tie_text': ['b', 'a', 'b', nan, 'a', 'c', nan, 'c', 'z', 'y'],
    })
    edge_transform = pd.DataFrame({
        'const_num': [0.1, 5.0, nan, -1.0],
        'const_int': [7, 8, 6, 7],
        'all_missing_num': [1.0, nan, 3.0, nan],
        'num': [nan, 100.0, -5.0, 2.0],
        'const_text': ['x', 'x', nan, 'x'],
        'all_missing_text': ['u', nan, nan, 'v'],
        'cat': ['zz', nan, 'a', 'e'],
        'tie_text': ['q', 'a', nan, 'b'],
    })
    write_input(edge_fit, 'edge_fit.csv')
    write_input(edge_transform, 'edge_transform.csv')


EDGE_DTYPES = {'all_missing_num': 'float64', 'all_missing_text': 'string', 'const_text': 'string',
               'cat': 'string', 'tie_text': 'string'}


def load(name):
    if name.startswith('edge'):
        pd_dtypes = {c: (object if d == 'string' else 'float64') for c, d in EDGE_DTYPES.items()}
        return read_input(name, pd_dtypes)
    return read_input(name)


# ------------------------------------------------------------------------------------------- cases

def sk_params(transformer, params):
    """mlkit params -> scikit-learn constructor arguments."""
    p = dict(params)
    if transformer == 'min_max_scaler' and 'feature_range' in p:
        p['feature_range'] = tuple(p['feature_range'])
    if transformer == 'robust_scaler' and 'quantile_range' in p:
        p['quantile_range'] = tuple(p['quantile_range'])
    if transformer == 'ordinal':
        for k in ('unknown_value', 'encoded_missing_value'):
            if p.get(k) == 'nan':
                p[k] = np.nan
    return p


def make(transformer, params):
    p = sk_params(transformer, params)
    if transformer == 'standard_scaler':
        return StandardScaler(**p)
    if transformer == 'min_max_scaler':
        return MinMaxScaler(**p)
    if transformer == 'robust_scaler':
        return RobustScaler(**p)
    if transformer == 'simple_imputer':
        return SimpleImputer(**p)
    if transformer == 'one_hot':
        return OneHotEncoder(sparse_output=False, **p)
    if transformer == 'ordinal':
        return OrdinalEncoder(**p)
    raise ValueError(transformer)


CASES = []


def case(name, transformer, params, fit, transform, columns, head=None):
    CASES.append(dict(name=name, transformer=transformer, params=params, fit=fit, transform=transform,
                      columns=columns, head=head))


def define_cases():
    H4 = ['total_rooms', 'total_bedrooms', 'median_income', 'housing_median_age']
    EDGE_NUM = ['const_num', 'const_int', 'all_missing_num', 'num']
    # scalers
    case('standard_housing', 'standard_scaler', {}, 'housing_fit.csv', 'housing_heldout.csv', HOUSING_NUM)
    case('standard_housing_no_mean', 'standard_scaler', {'with_mean': False}, 'housing_fit.csv', 'housing_heldout.csv', H4)
    case('standard_housing_no_std', 'standard_scaler', {'with_std': False}, 'housing_fit.csv', 'housing_heldout.csv', H4)
    case('standard_housing_identity', 'standard_scaler', {'with_mean': False, 'with_std': False}, 'housing_fit.csv', 'housing_heldout.csv', ['total_bedrooms', 'median_income'])
    case('standard_adult', 'standard_scaler', {}, 'adult_fit.csv', 'adult_heldout.csv', ADULT_NUM)
    case('standard_edge', 'standard_scaler', {}, 'edge_fit.csv', 'edge_transform.csv', EDGE_NUM)
    case('minmax_housing', 'min_max_scaler', {}, 'housing_fit.csv', 'housing_heldout.csv', HOUSING_NUM)
    case('minmax_housing_range_clip', 'min_max_scaler', {'feature_range': [-1, 2], 'clip': True}, 'housing_fit.csv', 'housing_heldout.csv', H4)
    case('minmax_adult', 'min_max_scaler', {'feature_range': [0.25, 0.75]}, 'adult_fit.csv', 'adult_heldout.csv', ADULT_NUM)
    case('minmax_edge', 'min_max_scaler', {}, 'edge_fit.csv', 'edge_transform.csv', EDGE_NUM)
    case('robust_housing', 'robust_scaler', {}, 'housing_fit.csv', 'housing_heldout.csv', HOUSING_NUM)
    case('robust_housing_q10_90', 'robust_scaler', {'quantile_range': [10, 90], 'with_centering': False}, 'housing_fit.csv', 'housing_heldout.csv', H4)
    case('robust_housing_q33', 'robust_scaler', {'quantile_range': [33.3, 66.7], 'with_scaling': True}, 'housing_fit.csv', 'housing_heldout.csv', H4)
    case('robust_housing_unit_variance', 'robust_scaler', {'unit_variance': True}, 'housing_fit.csv', 'housing_heldout.csv', H4)
    case('robust_adult', 'robust_scaler', {}, 'adult_fit.csv', 'adult_heldout.csv', ADULT_NUM)
    case('robust_edge', 'robust_scaler', {}, 'edge_fit.csv', 'edge_transform.csv', EDGE_NUM)
    # imputer
    IMP = ['total_bedrooms', 'total_rooms', 'households', 'housing_median_age']
    case('imputer_mean_housing', 'simple_imputer', {'strategy': 'mean', 'add_indicator': True}, 'housing_fit.csv', 'housing_heldout.csv', IMP)
    case('imputer_median_housing', 'simple_imputer', {'strategy': 'median'}, 'housing_fit.csv', 'housing_heldout.csv', IMP)
    case('imputer_most_frequent_housing', 'simple_imputer', {'strategy': 'most_frequent', 'add_indicator': True}, 'housing_fit.csv', 'housing_heldout.csv', IMP)
    case('imputer_constant_housing', 'simple_imputer', {'strategy': 'constant', 'fill_value': -1, 'add_indicator': True}, 'housing_fit.csv', 'housing_heldout.csv', IMP)
    case('imputer_median_adult', 'simple_imputer', {'strategy': 'median'}, 'adult_fit.csv', 'adult_heldout.csv', ADULT_NUM)
    TXT = ['workclass', 'occupation', 'native_country', 'race']
    case('imputer_most_frequent_adult_text', 'simple_imputer', {'strategy': 'most_frequent', 'add_indicator': True}, 'adult_fit.csv', 'adult_heldout.csv', TXT)
    case('imputer_constant_adult_text', 'simple_imputer', {'strategy': 'constant'}, 'adult_fit.csv', 'adult_heldout.csv', TXT)
    case('imputer_constant_adult_text_fill', 'simple_imputer', {'strategy': 'constant', 'fill_value': 'unknown', 'add_indicator': True}, 'adult_fit.csv', 'adult_heldout.csv', TXT)
    case('imputer_mean_edge', 'simple_imputer', {'strategy': 'mean', 'add_indicator': True}, 'edge_fit.csv', 'edge_transform.csv', EDGE_NUM)
    case('imputer_median_edge', 'simple_imputer', {'strategy': 'median'}, 'edge_fit.csv', 'edge_transform.csv', EDGE_NUM)
    case('imputer_most_frequent_edge', 'simple_imputer', {'strategy': 'most_frequent', 'add_indicator': True}, 'edge_fit.csv', 'edge_transform.csv', EDGE_NUM)
    case('imputer_most_frequent_edge_text', 'simple_imputer', {'strategy': 'most_frequent', 'add_indicator': True}, 'edge_fit.csv', 'edge_transform.csv', ['const_text', 'all_missing_text', 'cat', 'tie_text'])
    case('imputer_constant_edge', 'simple_imputer', {'strategy': 'constant', 'add_indicator': True}, 'edge_fit.csv', 'edge_transform.csv', EDGE_NUM)
    case('imputer_constant_edge_text', 'simple_imputer', {'strategy': 'constant'}, 'edge_fit.csv', 'edge_transform.csv', ['const_text', 'all_missing_text', 'tie_text'])
    case('imputer_keep_empty_edge', 'simple_imputer', {'strategy': 'mean', 'keep_empty_features': True, 'add_indicator': True}, 'edge_fit.csv', 'edge_transform.csv', EDGE_NUM)
    # one-hot
    case('onehot_adult', 'one_hot', {}, 'adult_fit.csv', 'adult_fit.csv', ADULT_CAT, head=HEAD)
    case('onehot_adult_ignore', 'one_hot', {'handle_unknown': 'ignore'}, 'adult_fit.csv', 'adult_heldout.csv', ADULT_CAT)
    case('onehot_adult_min_frequency', 'one_hot', {'handle_unknown': 'infrequent_if_exist', 'min_frequency': 20}, 'adult_fit.csv', 'adult_heldout.csv', ADULT_CAT)
    case('onehot_adult_min_frequency_fraction', 'one_hot', {'handle_unknown': 'ignore', 'min_frequency': 0.01}, 'adult_fit.csv', 'adult_heldout.csv', ADULT_CAT)
    case('onehot_adult_max_categories', 'one_hot', {'handle_unknown': 'infrequent_if_exist', 'max_categories': 5}, 'adult_fit.csv', 'adult_heldout.csv', ADULT_CAT)
    case('onehot_adult_both', 'one_hot', {'handle_unknown': 'infrequent_if_exist', 'max_categories': 6, 'min_frequency': 40, 'drop': 'if_binary'}, 'adult_fit.csv', 'adult_heldout.csv', ADULT_CAT)
    case('onehot_adult_drop_first', 'one_hot', {'drop': 'first'}, 'adult_fit.csv', 'adult_fit.csv', ADULT_CAT, head=HEAD)
    case('onehot_adult_drop_first_ignore', 'one_hot', {'drop': 'first', 'handle_unknown': 'ignore', 'min_frequency': 30}, 'adult_fit.csv', 'adult_heldout.csv', ADULT_CAT)
    case('onehot_adult_if_binary', 'one_hot', {'drop': 'if_binary'}, 'adult_fit.csv', 'adult_fit.csv', ['sex', 'race', 'relationship'], head=HEAD)
    case('onehot_adult_numeric', 'one_hot', {'handle_unknown': 'infrequent_if_exist', 'min_frequency': 25}, 'adult_fit.csv', 'adult_heldout.csv', ['education_num', 'hours_per_week'])
    case('onehot_housing', 'one_hot', {'handle_unknown': 'ignore'}, 'housing_fit.csv', 'housing_heldout.csv', ['ocean_proximity', 'housing_median_age'])
    case('onehot_housing_unknown_error', 'one_hot', {}, 'housing_fit.csv', 'housing_heldout.csv', ['ocean_proximity'])
    case('onehot_edge', 'one_hot', {'handle_unknown': 'ignore'}, 'edge_fit.csv', 'edge_transform.csv', ['const_text', 'all_missing_text', 'cat', 'tie_text', 'const_int', 'num'])
    case('onehot_edge_min_frequency', 'one_hot', {'handle_unknown': 'infrequent_if_exist', 'min_frequency': 2}, 'edge_fit.csv', 'edge_transform.csv', ['cat', 'tie_text', 'num'])
    case('onehot_edge_max_categories_ties', 'one_hot', {'handle_unknown': 'infrequent_if_exist', 'max_categories': 3}, 'edge_fit.csv', 'edge_transform.csv', ['cat', 'tie_text', 'const_text'])
    case('onehot_edge_max_categories_1', 'one_hot', {'handle_unknown': 'ignore', 'max_categories': 1}, 'edge_fit.csv', 'edge_transform.csv', ['cat', 'tie_text'])
    case('onehot_edge_max_categories_2', 'one_hot', {'handle_unknown': 'infrequent_if_exist', 'max_categories': 2, 'drop': 'if_binary'}, 'edge_fit.csv', 'edge_transform.csv', ['cat', 'tie_text', 'const_text'])
    case('onehot_edge_drop_first_infrequent', 'one_hot', {'handle_unknown': 'infrequent_if_exist', 'min_frequency': 3, 'drop': 'first'}, 'edge_fit.csv', 'edge_transform.csv', ['cat', 'tie_text', 'const_text'])
    case('onehot_edge_unknown_error', 'one_hot', {}, 'edge_fit.csv', 'edge_transform.csv', ['cat'])
    case('onehot_edge_unknown_missing_error', 'one_hot', {}, 'edge_fit.csv', 'edge_transform.csv', ['const_text'])
    # ordinal
    case('ordinal_adult', 'ordinal', {}, 'adult_fit.csv', 'adult_fit.csv', ADULT_CAT, head=HEAD)
    case('ordinal_adult_unknown', 'ordinal', {'handle_unknown': 'use_encoded_value', 'unknown_value': -1, 'encoded_missing_value': -2}, 'adult_fit.csv', 'adult_heldout.csv', ADULT_CAT)
    case('ordinal_adult_unknown_nan', 'ordinal', {'handle_unknown': 'use_encoded_value', 'unknown_value': 'nan'}, 'adult_fit.csv', 'adult_heldout.csv', ADULT_CAT)
    case('ordinal_housing', 'ordinal', {'handle_unknown': 'use_encoded_value', 'unknown_value': 99}, 'housing_fit.csv', 'housing_heldout.csv', ['ocean_proximity', 'housing_median_age'])
    case('ordinal_edge', 'ordinal', {'handle_unknown': 'use_encoded_value', 'unknown_value': -1}, 'edge_fit.csv', 'edge_transform.csv', ['const_text', 'all_missing_text', 'cat', 'tie_text', 'num'])
    case('ordinal_edge_unknown_error', 'ordinal', {}, 'edge_fit.csv', 'edge_transform.csv', ['cat'])


def unknown_of(enc, X, columns):
    """First (column, value) the fitted encoder has not seen, as in the TypeScript error."""
    for i, c in enumerate(columns):
        cats = list(enc.categories_[i])
        has_nan = any(isinstance(v, float) and math.isnan(v) for v in cats)
        for v in X[c]:
            if pd.isna(v):
                if not has_nan:
                    return {'column': c, 'value': None}
            elif v not in cats:
                return {'column': c, 'value': v if isinstance(v, str) else float(v)}
    return None


def run_case(c):
    fit_df = load(c['fit'])[c['columns']]
    tr_df = load(c['transform'])[c['columns']]
    if c['head']:
        tr_df = tr_df.iloc[:c['head']]
    est = make(c['transformer'], c['params'])
    est.fit(fit_df)
    out = dict(name=c['name'], transformer=c['transformer'], params=c['params'], fit=c['fit'],
               transform=c['transform'], transform_head=c['head'], columns=c['columns'])
    if c['fit'].startswith('edge'):
        out['dtypes'] = {k: v for k, v in EDGE_DTYPES.items() if k in c['columns']}
    out['sklearn'] = repr(est)
    if c['transformer'] == 'simple_imputer':
        stats = est.statistics_
        out['dropped'] = [col for col, s in zip(c['columns'], stats) if isinstance(s, float) and math.isnan(s)] \
            if c['params'].get('strategy', 'mean') != 'constant' and not c['params'].get('keep_empty_features') else []
    try:
        y = to_dense(est.transform(tr_df))
    except ValueError as e:
        if 'unknown categories' not in str(e):
            raise
        out['expect_error'] = unknown_of(est, tr_df, c['columns'])
        out['sklearn_error'] = str(e)
        write_manifest(out)
        return
    names = list(est.get_feature_names_out())
    out['expected'] = f"{c['name']}.expected.csv"
    out['output_columns'] = names
    write_expected(out['expected'], names, y)
    write_manifest(out)


# ------------------------------------------------------------------------------- column transformer

def column_transformers():
    # Adult: median-impute + standardize the numeric columns, one-hot the text columns
    adult_fit = load('adult_fit.csv')
    adult_held = load('adult_heldout.csv')
    ct = ColumnTransformer([
        ('num', Pipeline([('impute', SimpleImputer(strategy='median')), ('scale', StandardScaler())]), ADULT_NUM),
        ('cat', OneHotEncoder(handle_unknown='ignore', min_frequency=20), ADULT_CAT),
    ], remainder='drop', sparse_threshold=0)
    ct.fit(adult_fit)
    y = to_dense(ct.transform(adult_held))
    names = list(ct.get_feature_names_out())
    write_expected('ct_adult.expected.csv', names, y)
    write_manifest(dict(
        name='ct_adult', kind='column_transformer', fit='adult_fit.csv', transform='adult_heldout.csv',
        transform_head=None, expected='ct_adult.expected.csv', output_columns=names, sklearn=repr(ct),
        spec={
            'transformers': [
                {'name': 'num', 'steps': [{'type': 'simple_imputer', 'params': {'strategy': 'median'}},
                                          {'type': 'standard_scaler', 'params': {}}], 'columns': ADULT_NUM},
                {'name': 'cat', 'steps': [{'type': 'one_hot', 'params': {'handle_unknown': 'ignore', 'min_frequency': 20}}],
                 'columns': ADULT_CAT},
            ],
            'remainder': 'drop',
        }))

    # California housing: robust-scale three columns, mean-impute (with indicator) + min-max two,
    # one-hot ocean_proximity with at most 3 output columns (infrequent grouping), pass the rest through
    h_fit = load('housing_fit.csv')
    h_held = load('housing_heldout.csv')
    robust = ['median_income', 'total_rooms', 'population']
    imp = ['total_bedrooms', 'households']
    ct = ColumnTransformer([
        ('robust', RobustScaler(), robust),
        ('imp', Pipeline([('impute', SimpleImputer(strategy='mean', add_indicator=True)), ('minmax', MinMaxScaler())]), imp),
        ('ocean', OneHotEncoder(handle_unknown='infrequent_if_exist', max_categories=3), ['ocean_proximity']),
    ], remainder='passthrough', sparse_threshold=0)
    ct.fit(h_fit)
    y = to_dense(ct.transform(h_held))
    names = list(ct.get_feature_names_out())
    write_expected('ct_housing.expected.csv', names, y)
    write_manifest(dict(
        name='ct_housing', kind='column_transformer', fit='housing_fit.csv', transform='housing_heldout.csv',
        transform_head=None, expected='ct_housing.expected.csv', output_columns=names, sklearn=repr(ct),
        spec={
            'transformers': [
                {'name': 'robust', 'steps': [{'type': 'robust_scaler', 'params': {}}], 'columns': robust},
                {'name': 'imp', 'steps': [{'type': 'simple_imputer', 'params': {'strategy': 'mean', 'add_indicator': True}},
                                          {'type': 'min_max_scaler', 'params': {}}], 'columns': imp},
                {'name': 'ocean', 'steps': [{'type': 'one_hot', 'params': {'handle_unknown': 'infrequent_if_exist', 'max_categories': 3}}],
                 'columns': ['ocean_proximity']},
            ],
            'remainder': 'passthrough',
        }))


def main():
    for old in HERE.glob('*.json'):
        old.unlink()
    for old in HERE.glob('*.csv'):
        old.unlink()
    make_inputs()
    define_cases()
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        for c in CASES:
            run_case(c)
        column_transformers()
    total = sum(p.stat().st_size for p in HERE.iterdir() if p.is_file())
    print(f'{len(CASES) + 2} cases, {total / 1024:.0f} KiB in {HERE}', file=sys.stderr)


if __name__ == '__main__':
    main()
