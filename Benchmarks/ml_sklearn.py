"""The scikit-learn / xgboost side of Benchmarks/ml.sh: trains the comparable models on the same split and
prints one JSON line per model: accuracy, F1, ROC AUC, training seconds, inference microseconds per row."""
import json, sys, time
import numpy as np, pandas as pd
from scipy.sparse import hstack
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import cross_val_predict, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
import xgboost as xgb

mode, train_path, test_path, target, positive = sys.argv[1:6]
tr, te = pd.read_csv(train_path), pd.read_csv(test_path)
y = (tr[target].astype(str) == positive).astype(int).values
yt = (te[target].astype(str) == positive).astype(int).values

def report(name, fit, predict):
    t0 = time.perf_counter(); model = fit(); t1 = time.perf_counter()
    p = predict(model); t2 = time.perf_counter()
    print(json.dumps({"model": name, "accuracy": accuracy_score(yt, p > 0.5), "f1": f1_score(yt, p > 0.5),
                      "roc_auc": roc_auc_score(yt, p), "train_s": t1 - t0, "infer_us_per_row": (t2 - t1) * 1e6 / len(yt)}), flush=True)

def booster(): return xgb.XGBClassifier(n_estimators=300, max_depth=6, learning_rate=0.1, subsample=0.9, tree_method="hist", n_jobs=2, random_state=7)

if mode == "url":
    def text(): return [TfidfVectorizer(analyzer="char", ngram_range=(1, 5), sublinear_tf=True, min_df=2),
                        TfidfVectorizer(analyzer="word", token_pattern=r"[A-Za-z0-9]+", ngram_range=(1, 2), sublinear_tf=True, min_df=2)]
    def fit_svm():
        v = text(); X = hstack([f.fit_transform(tr.url) for f in v]).tocsr()
        return v, CalibratedClassifierCV(LinearSVC(C=1), cv=5, ensemble=False).fit(X, y)
    def fit_lr():
        v = text(); X = hstack([f.fit_transform(tr.url) for f in v]).tocsr()
        return v, LogisticRegression(C=10, max_iter=3000).fit(X, y)
    def predict_text(m):
        v, model = m; return model.predict_proba(hstack([f.transform(te.url) for f in v]).tocsr())[:, 1]
    report("tfidf+linear-svm (calibrated)", fit_svm, predict_text)
    report("tfidf+logreg", fit_lr, predict_text)
else:
    cols = [c for c in tr.columns if c not in (target, "url")]
    X, Xt = tr[cols].values, te[cols].values
    report("xgboost", lambda: booster().fit(X, y), lambda m: m.predict_proba(Xt)[:, 1])
    report("random-forest", lambda: RandomForestClassifier(n_estimators=100, n_jobs=2, random_state=7).fit(X, y), lambda m: m.predict_proba(Xt)[:, 1])
    report("logreg", lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000)).fit(X, y), lambda m: m.predict_proba(Xt)[:, 1])
