"""Logs runs through the mlflow client into a tracking server and times it; then times reading them.
Usage: log_runs.py URI EXPERIMENT RUNS STEPS [--bulk]
Each run logs 4 metrics for STEPS steps, one log_batch per step (as an epoch callback does), and 3 params.
--bulk sends each run's points in one log_batch (to fill a history fast for the read timings).
Prints one JSON line: runs, points, seconds logging, points/s, search_runs of all (s), a 10-run comparison (s)."""
import json
import sys
import time

from mlflow.entities import Metric, Param
from mlflow.tracking import MlflowClient

uri, name, runs, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
bulk = "--bulk" in sys.argv
client = MlflowClient(tracking_uri=uri)
experiment = client.get_experiment_by_name(name)
experiment_id = experiment.experiment_id if experiment else client.create_experiment(name)
keys = ["loss", "val_loss", "accuracy", "val_accuracy"]
start = time.perf_counter()
for r in range(runs):
    run = client.create_run(experiment_id, run_name=f"run-{r}")
    rid = run.info.run_id
    params = [Param("lr", str(0.001 * (r + 1))), Param("layers", str(2 + r % 3)), Param("seed", str(r))]
    now = int(time.time() * 1000)
    if bulk:
        points = [Metric(k, 1.0 / (s + 1 + i), now, s) for s in range(steps) for i, k in enumerate(keys)]
        client.log_batch(rid, metrics=points, params=params)
    else:
        client.log_batch(rid, params=params)
        for s in range(steps):
            client.log_batch(rid, metrics=[Metric(k, 1.0 / (s + 1 + i), now + s, s) for i, k in enumerate(keys)])
    client.set_terminated(rid)
logging = time.perf_counter() - start

start = time.perf_counter()
found = client.search_runs([experiment_id], max_results=50000)
search = time.perf_counter() - start
start = time.perf_counter()
for run in found[:10]:
    for k in keys:
        client.get_metric_history(run.info.run_id, k)
compare = time.perf_counter() - start
points = runs * steps * len(keys)
print(json.dumps({"runs": runs, "points": points, "logging_s": round(logging, 3), "points_per_s": round(points / logging, 1),
                  "listed": len(found), "search_all_s": round(search, 3), "compare_10_s": round(compare, 3)}))
