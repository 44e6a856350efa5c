"""The scikit-learn URL pipeline (url_models.py) as a BentoML service: POST /predict {"instances": [{"url": ...}]}.
Run from this directory: PIPELINE=... bentoml serve bento_url_service:URLDetector --port P"""
import os

import bentoml
import joblib


@bentoml.service(workers=1)
class URLDetector:
    def __init__(self):
        self.pipeline = joblib.load(os.environ["PIPELINE"])

    @bentoml.api
    def predict(self, instances: list[dict[str, str]]) -> dict:
        p = self.pipeline.predict_proba([r["url"] for r in instances])[:, 1]
        return {"predictions": [{"label": "phishing" if q >= 0.5 else "legitimate", "probability": float(q)} for q in p]}
