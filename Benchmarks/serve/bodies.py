"""Writes the request bodies for the serving benchmark from the test split: for 1 and 1000 rows, proj's and
BentoML's {"instances": [records]} and MLflow's {"dataframe_split": ...} (as MLflow's own client sends it).
Usage: python bodies.py TEST_CSV MODEL_DIR OUT_DIR"""
import json
import os
import sys

import pandas as pd

test, model_dir, out = sys.argv[1:4]
with open(os.path.join(model_dir, "preprocess.json")) as f:
    columns = json.load(f)["columns"]
frame = pd.read_csv(test)[columns]
os.makedirs(out, exist_ok=True)
for n in (1, 1000):
    rows = frame.iloc[:n] if n <= len(frame) else pd.concat([frame] * (n // len(frame) + 1)).iloc[:n]
    records = [{c: (None if pd.isna(v) else float(v)) for c, v in zip(columns, r)} for r in rows.itertuples(index=False)]
    with open(os.path.join(out, f"instances-{n}.json"), "w") as f:
        json.dump({"instances": records}, f)
    with open(os.path.join(out, f"split-{n}.json"), "w") as f:
        f.write('{"dataframe_split": ' + rows.reset_index(drop=True).to_json(orient="split") + "}")
