"""The benchmark model as a BentoML service: POST /predict {"instances": [{feature: value, ...}]}.
Run from this directory: MODEL_DIR=... bentoml serve bento_service:PhishingDetector --port P"""
import os

import bentoml

from detector import Detector


@bentoml.service(workers=1)
class PhishingDetector:
    def __init__(self):
        self.model = Detector(os.environ["MODEL_DIR"])

    @bentoml.api
    def predict(self, instances: list[dict[str, float | None]]) -> dict:
        return {"predictions": self.model.predict_records(instances)}
