"""The benchmark model for the Python servers: the same files proj's bundle holds (preprocess.json with the
median imputer and standard scaler fitted by `proj ml train`, and the XGBoost booster model.ubj), applied the
same way: impute, scale, predict, calibrate (model.json's Platt or isotonic mapping, when the factory chose
one), threshold at 0.5, answer the class name. numpy and xgboost only, shared by the MLflow model and
the BentoML service so both do exactly the work proj's server does."""
import json
import os

import numpy as np
import xgboost as xgb


class Detector:
    def __init__(self, model_dir):
        with open(os.path.join(model_dir, "preprocess.json")) as f:
            pre = json.load(f)
        self.columns = pre["columns"]
        self.median = np.asarray(pre["median"], dtype=np.float32)
        self.mean = np.asarray(pre["scaler"]["mean"], dtype=np.float64)
        self.std = np.asarray(pre["scaler"]["std"], dtype=np.float64)
        self.booster = xgb.Booster()
        self.booster.load_model(os.path.join(model_dir, "model.ubj"))
        self.booster.set_param({"nthread": 1})
        with open(os.path.join(model_dir, "model.json")) as f:
            meta = json.load(f)
        self.calibration = meta.get("calibration")
        self.classes = meta.get("classes", [0, 1])

    def calibrate(self, p):
        c = self.calibration
        if c is None:
            return p
        p = p.astype(np.float32)
        if c["method"] == "platt":
            q = np.clip(p.astype(np.float64), 1e-7, 1 - 1e-7)
            z = c["a"] * np.log(q / (1 - q)) + c["b"]
            return (1 / (1 + np.exp(z))).astype(np.float32)
        return np.interp(p.astype(np.float64), c["x"], c["y"]).astype(np.float32)

    def predict_matrix(self, x):
        # As proj does: values read as float32, scaled in float64, then fed to XGBoost as float32 (the
        # trees split exactly at training values, so the rounding order decides borderline rows).
        x = np.asarray(x, dtype=np.float32)
        missing = np.isnan(x)
        if missing.any():
            x = np.where(missing, self.median, x)
        x = ((x.astype(np.float64) - self.mean) / self.std).astype(np.float32)
        p = self.calibrate(self.booster.predict(xgb.DMatrix(x, missing=np.nan)))
        return [{"label": self.classes[1] if v >= 0.5 else self.classes[0], "probability": float(v)} for v in p]

    def predict_frame(self, frame):
        return self.predict_matrix(frame[self.columns].to_numpy(dtype=np.float32, na_value=np.nan))

    def predict_records(self, records):
        return self.predict_matrix([[np.nan if r.get(c) is None else r[c] for c in self.columns] for r in records])
