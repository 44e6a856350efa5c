"""What a training script does with the mlflow client against a tracking server (proj ui in the tests):
log params, per-step metrics (one NaN), a tag, end the run; then read it back with MlflowClient.
Prints one JSON object with what it read. Usage: mlflow-client-check.py TRACKING_URI"""
import json
import math
import sys

import mlflow
from mlflow.tracking import MlflowClient

mlflow.set_tracking_uri(sys.argv[1])
mlflow.set_experiment("keras-callback")
with mlflow.start_run(run_name="five-epochs") as run:
    mlflow.log_params({"lr": 0.01, "layers": 3})
    for epoch in range(5):
        mlflow.log_metrics({"loss": 1.0 / (epoch + 1), "val_loss": 1.5 / (epoch + 1)}, step=epoch)
    mlflow.log_metric("accuracy", float("nan"), step=5)
    mlflow.set_tag("framework", "keras")

client = MlflowClient(tracking_uri=sys.argv[1])
experiment = client.get_experiment_by_name("keras-callback")
runs = client.search_runs([experiment.experiment_id])
filtered = client.search_runs([experiment.experiment_id], filter_string="metrics.loss < 0.3 and params.lr = '0.01'")
none = client.search_runs([experiment.experiment_id], filter_string="metrics.loss > 0.3")
history = client.get_metric_history(run.info.run_id, "loss")
nan = client.get_metric_history(run.info.run_id, "accuracy")
got = client.get_run(run.info.run_id)
print(json.dumps({
    "run_id": run.info.run_id,
    "runs": [r.info.run_id for r in runs],
    "filtered": [r.info.run_id for r in filtered],
    "filtered_out": [r.info.run_id for r in none],
    "status": got.info.status,
    "name": got.info.run_name,
    "params": got.data.params,
    "tags": {k: v for k, v in got.data.tags.items() if not k.startswith("mlflow.")},
    "loss_steps": [m.step for m in history],
    "loss_values": [m.value for m in history],
    "accuracy_is_nan": [math.isnan(m.value) for m in nan],
}))
