#!/usr/bin/env python3
"""The BACUDA weekly peer of `scripts/bench risk`: pandas + xgboost in the manner of github
Seondong/Customs-Fraud-Detection (its preprocessing, its risk-profile features, an XGBClassifier retrained
every week), on the public columns only, under the protocol of `cordon simulate`:
weeks are (date - first date) // 7; weeks 0 and 1 are labelled history; in each later week the model,
retrained on every label revealed so far, selects floor(n * rate / 100) declarations (the highest scores:
the framework's "xgb" strategy) and only their labels are revealed.

Usage: bacuda_weekly_xgboost.py FILE RATE [RATE ...]
Prints, per rate, `rate mean_precision mean_revenue_recall weeks`.
"""
import sys

import numpy as np
import pandas as pd
import xgboost as xgb

PUBLIC = ["sgd.id", "sgd.date", "importer.id", "declarant.id", "country", "office.id", "tariff.code", "quantity",
          "gross.weight", "fob.value", "cif.value", "total.taxes", "illicit", "revenue"]
# The framework's risk-profile candidates: a value's share of illicit declarations in the revealed history.
PROFILES = ["importer.id", "declarant.id", "country", "office.id", "tariff.code", "HS6", "HS4", "HS2",
            "HS6.Origin", "Importer.HS"]
NUMERIC = ["quantity", "gross.weight", "fob.value", "cif.value", "total.taxes", "Unitprice", "WUnitprice", "TaxRatio",
           "FOBCIFRatio", "TaxUnitquantity", "SGD.DayofYear", "SGD.WeekofYear", "SGD.MonthofYear"]


def preprocess(df):
    """The framework's derived columns (preprocess_data.py)."""
    df["sgd.date"] = pd.to_datetime(df["sgd.date"], format="%y-%m-%d")
    with np.errstate(divide="ignore", invalid="ignore"):
        df["Unitprice"] = df["cif.value"] / df["quantity"]
        df["WUnitprice"] = df["cif.value"] / df["gross.weight"]
        df["TaxRatio"] = df["total.taxes"] / df["cif.value"]
        df["TaxUnitquantity"] = df["total.taxes"] / df["quantity"]
        df["FOBCIFRatio"] = df["fob.value"] / df["cif.value"]
    df = df.replace([np.inf, -np.inf], np.nan)
    df["HS6"] = df["tariff.code"] // 10000   # ten-digit codes, read as numbers (as the framework does)
    df["HS4"] = df["HS6"] // 100
    df["HS2"] = df["HS4"] // 100
    df["HS6.Origin"] = df["HS6"].astype(str) + "&" + df["country"]
    df["Importer.HS"] = df["importer.id"] + "&" + df["HS6"].astype(str)
    df["SGD.DayofYear"] = df["sgd.date"].dt.day_of_year
    df["SGD.WeekofYear"] = df["sgd.date"].dt.isocalendar().week.astype(int)
    df["SGD.MonthofYear"] = df["sgd.date"].dt.month
    return df


def risk_features(history, frame, adj=1.0):
    """RiskH.<profile>: each value's smoothed illicit rate in the revealed history (the framework's 'ratio'
    option), the overall rate for values never seen."""
    prior = history["illicit"].mean()
    out = {}
    for p in PROFILES:
        g = history.groupby(p)["illicit"].agg(["sum", "count"])
        rate = (g["sum"] + adj * prior) / (g["count"] + adj)
        out["RiskH." + p] = frame[p].map(rate).fillna(prior).astype(float).values
    return pd.DataFrame(out, index=frame.index)


def matrix(history, frame):
    return pd.concat([frame[NUMERIC].astype(float), risk_features(history, frame)], axis=1)


def training_matrix(history, folds=5):
    """The revealed rows' own features, each fold's rates from the other folds: with rates from every row
    (as the framework has them) a row's own label is in its rate, and the model learns to trust rates of
    rare values that will not hold on new weeks; out of fold, the peer is stronger."""
    fold = np.arange(len(history)) % folds
    parts = [risk_features(history[fold != f], history[fold == f]) for f in range(folds)]
    return pd.concat([history[NUMERIC].astype(float), pd.concat(parts).loc[history.index]], axis=1)


def run(df, rate):
    first = df["sgd.date"].min()
    week = ((df["sgd.date"] - first).dt.days // 7).values
    revealed = df[week <= 1]
    precisions, recalls = [], []
    for w in range(2, week.max() + 1):
        members = df[week == w]
        if members.empty:
            continue
        k = int(len(members) * rate // 100)
        chosen = members.iloc[:0]
        if k > 0:
            model = xgb.XGBClassifier(n_estimators=100, max_depth=4, learning_rate=0.3, n_jobs=2,
                                      eval_metric="logloss", tree_method="hist")
            model.fit(training_matrix(revealed), revealed["illicit"])
            scores = model.predict_proba(matrix(revealed, members))[:, 1]
            chosen = members.iloc[np.argsort(-scores, kind="stable")[:k]]
        revealed = pd.concat([revealed, chosen])
        hits = chosen[chosen["illicit"] == 1]
        precisions.append(len(hits) / len(chosen) if len(chosen) else 0.0)
        total = members["revenue"].sum()
        recalls.append(hits["revenue"].sum() / total if total > 0 else 0.0)
    return float(np.mean(precisions)), float(np.mean(recalls)), len(precisions)


def main():
    df = preprocess(pd.read_csv(sys.argv[1], usecols=PUBLIC))
    for rate in sys.argv[2:]:
        p, r, n = run(df, float(rate))
        print(f"{rate} {p:.4f} {r:.4f} {n}")


if __name__ == "__main__":
    main()
