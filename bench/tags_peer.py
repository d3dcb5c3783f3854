#!/usr/bin/python3
"""scikit-learn peer of `camsift-bench tags` (issue 19): trains, per split, exactly the SVM problems camsift gave
libsvm (same rows, feature subset, classes, class weights) with SVC(kernel="linear", C=0.9) and predicts the same
test rows; and fits RandomForestClassifier(gini, max_features="sqrt") on the same training rows and LP classes for
the importance comparison. Reads the CSV itself (numpy's parse of the same text), so no feature value is
re-encoded. Debian python3-sklearn (1.2) only; run with /usr/bin/python3.
"""
import argparse
import json
import time

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.svm import SVC


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    spec = json.load(open(a.input))
    d = spec["featureCount"]
    table = np.loadtxt(spec["csv"], delimiter=",", skiprows=1)
    X, Y = table[:, :d], table[:, d:].astype(int)
    assert Y.shape[1] == spec["labelCount"], "label columns differ from camsift's reading"
    out = []
    for s in spec["splits"]:
        train, test = np.array(s["train"]), np.array(s["test"])
        jobs, seconds = {}, {}
        for job in s["jobs"]:
            t = time.time()
            f = np.array(job["features"])
            Xtr, Xte = X[train][:, f], X[test][:, f]
            if job["kind"] == "br":
                pred = np.zeros((len(test), Y.shape[1]), dtype=int)
                for j in range(Y.shape[1]):
                    y = Y[train, j]
                    if y.min() == y.max():
                        pred[:, j] = y[0]
                    else:
                        pred[:, j] = SVC(kernel="linear", C=0.9).fit(Xtr, y).predict(Xte)
                jobs[job["name"]] = pred.reshape(-1).tolist()
            else:
                cw = job.get("classWeight")
                cw = {int(k): v for k, v in cw.items()} if cw else None
                svc = SVC(kernel="linear", C=0.9, class_weight=cw).fit(Xtr, np.array(job["classes"]))
                jobs[job["name"]] = [int(c) for c in svc.predict(Xte)]
            seconds[job["name"]] = time.time() - t
        t = time.time()
        forest = RandomForestClassifier(n_estimators=spec["trees"], criterion="gini", max_features="sqrt",
                                        random_state=s["seed"], n_jobs=1)
        forest.fit(X[train], np.array(s["forestClasses"]))
        seconds["forest"] = time.time() - t
        out.append({"jobs": jobs, "importances": forest.feature_importances_.tolist(), "seconds": seconds})
    json.dump({"splits": out}, open(a.out, "w"))


if __name__ == "__main__":
    main()
