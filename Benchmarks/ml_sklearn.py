"""The scikit-learn / xgboost side of Benchmarks/ml.sh.

  ml_sklearn.py MODE TRAIN TEST TARGET POSITIVE
      trains every comparable model of MODE (url or features) on the same split in this process and prints one
      JSON line per model: accuracy, F1, ROC AUC, seconds in the fit call, inference microseconds per row.
  ml_sklearn.py MODE TRAIN TEST TARGET POSITIVE --only NAME --save PATH
      what a pipeline stage running `python train.py` does for one model: import what it needs, read the
      training CSV, fit, write the model to PATH. ml.sh times this whole process.

Each model imports its libraries itself, so a one-model process pays only for what it uses."""
import json, pickle, sys, time


def booster():
    import xgboost as xgb
    return xgb.XGBClassifier(n_estimators=300, max_depth=6, learning_rate=0.1, subsample=0.9, tree_method="hist",
                             n_jobs=2, random_state=7)


def text_features():
    from sklearn.feature_extraction.text import TfidfVectorizer
    return [TfidfVectorizer(analyzer="char", ngram_range=(1, 5), sublinear_tf=True, min_df=2),
            TfidfVectorizer(analyzer="word", token_pattern=r"[A-Za-z0-9]+", ngram_range=(1, 2), sublinear_tf=True, min_df=2)]


def fit_text(classifier):
    def fit(tr, y):
        from scipy.sparse import hstack
        v = text_features()
        return v, classifier().fit(hstack([f.fit_transform(tr.url) for f in v]).tocsr(), y)
    return fit


def predict_text(m, te):
    from scipy.sparse import hstack
    v, model = m
    return model.predict_proba(hstack([f.transform(te.url) for f in v]).tocsr())[:, 1]


def calibrated_svm():
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC
    return CalibratedClassifierCV(LinearSVC(C=1), cv=5, ensemble=False)


def text_logreg():
    from sklearn.linear_model import LogisticRegression
    return LogisticRegression(C=10, max_iter=3000)


def forest():
    from sklearn.ensemble import RandomForestClassifier
    return RandomForestClassifier(n_estimators=100, n_jobs=2, random_state=7)


def scaled_logreg():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))


def columns(target):
    def fit_with(make):
        def fit(tr, y):
            return make().fit(tr[[c for c in tr.columns if c not in (target, "url")]].values, y)
        return fit
    def predict(m, te):
        return m.predict_proba(te[[c for c in te.columns if c not in (target, "url")]].values)[:, 1]
    return fit_with, predict


def models(mode, target):
    """(name, fit(train frame, labels), predict(model, test frame)) for each comparable model of the mode."""
    if mode == "url":
        return [("tfidf+linear-svm (calibrated)", fit_text(calibrated_svm), predict_text),
                ("tfidf+logreg", fit_text(text_logreg), predict_text)]
    fit_with, predict = columns(target)
    return [("xgboost", fit_with(booster), predict), ("random-forest", fit_with(forest), predict),
            ("logreg", fit_with(scaled_logreg), predict)]


def main():
    import pandas as pd
    mode, train_path, test_path, target, positive = sys.argv[1:6]
    tr = pd.read_csv(train_path)
    y = (tr[target].astype(str) == positive).astype(int).values
    chosen = models(mode, target)
    if len(sys.argv) > 6:
        only, path = sys.argv[sys.argv.index("--only") + 1], sys.argv[sys.argv.index("--save") + 1]
        name, fit, _ = next(m for m in chosen if m[0] == only)
        with open(path, "wb") as out:
            pickle.dump(fit(tr, y), out)
        return
    from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
    te = pd.read_csv(test_path)
    yt = (te[target].astype(str) == positive).astype(int).values
    for name, fit, predict in chosen:
        t0 = time.perf_counter(); model = fit(tr, y); t1 = time.perf_counter()
        p = predict(model, te); t2 = time.perf_counter()
        print(json.dumps({"model": name, "accuracy": accuracy_score(yt, p > 0.5), "f1": f1_score(yt, p > 0.5),
                          "roc_auc": roc_auc_score(yt, p), "train_s": t1 - t0, "infer_us_per_row": (t2 - t1) * 1e6 / len(yt)}),
              flush=True)


main()
