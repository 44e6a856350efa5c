"""The model a user of MLflow or BentoML would ship for raw URLs: a scikit-learn Pipeline of a TF-IDF over
character 1-5-grams and word 1-2-grams (sublinear tf, as proj's text model) into a LogisticRegression, fitted on
the training split's `url` column. Saves it for `mlflow models serve` (mlflow.sklearn, predict_proba) and as a
joblib file for the BentoML service, and writes the URL request bodies.
Usage: python url_models.py TRAIN_CSV TEST_CSV OUT_DIR BODIES_DIR"""
import json
import os
import sys

import joblib
import mlflow.pyfunc
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

train_csv, test_csv, out, bodies = sys.argv[1:5]
train = pd.read_csv(train_csv)
pipeline = Pipeline([
    ("tfidf", FeatureUnion([
        ("chars", TfidfVectorizer(analyzer="char", ngram_range=(1, 5), sublinear_tf=True, min_df=2)),
        ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=2, token_pattern=r"[a-z0-9\x80-\uffff]+")),
    ])),
    ("logreg", LogisticRegression(C=10, max_iter=1000)),
])
pipeline.fit(train["url"], (train["status"] == "phishing").astype(int))
os.makedirs(out, exist_ok=True)
joblib.dump(pipeline, os.path.join(out, "url-pipeline.joblib"))


class URLDetector(mlflow.pyfunc.PythonModel):
    """Label and probability of phishing per URL, as proj answers."""

    def load_context(self, context):
        import joblib
        self.pipeline = joblib.load(context.artifacts["pipeline"])

    def predict(self, context, model_input, params=None):
        p = self.pipeline.predict_proba(model_input["url"])[:, 1]
        return [{"label": "phishing" if q >= 0.5 else "legitimate", "probability": float(q)} for q in p]


mlflow.pyfunc.save_model(path=os.path.join(out, "mlflow-url-model"), python_model=URLDetector(),
                         artifacts={"pipeline": os.path.join(out, "url-pipeline.joblib")})

urls = pd.read_csv(test_csv)["url"].tolist()
os.makedirs(bodies, exist_ok=True)
for n in (1, 1000):
    rows = (urls * (n // len(urls) + 1))[:n]
    with open(os.path.join(bodies, f"url-instances-{n}.json"), "w") as f:
        json.dump({"instances": [{"url": u} for u in rows]}, f)
    with open(os.path.join(bodies, f"url-split-{n}.json"), "w") as f:
        json.dump({"dataframe_split": {"columns": ["url"], "data": [[u] for u in rows]}}, f)
