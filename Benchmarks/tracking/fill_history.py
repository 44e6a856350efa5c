"""Fills a proj ui history over MLflow's REST API (plain HTTP, no client library): RUNS runs of 3 params and
4 metrics of STEPS steps each (one log-batch per run), and one run named `long` with a POINTS-point series.
Usage: fill_history.py URL RUNS STEPS POINTS        Prints one JSON line: seconds, and the ids of 10 runs."""
import json
import math
import sys
import time
import urllib.request

url, runs, steps, points = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])


def post(endpoint, body):
    request = urllib.request.Request(f"{url}/api/2.0/mlflow/{endpoint}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


experiment = post("experiments/create", {"name": "scale"})["experiment_id"]
start = time.perf_counter()
ids = []
now = int(time.time() * 1000)
for r in range(runs):
    rid = post("runs/create", {"experiment_id": experiment, "run_name": f"run-{r}", "start_time": now + r})["run"]["info"]["run_id"]
    metrics = [{"key": k, "value": 1.0 / (s + 1 + i) + (r % 97) / 1000, "timestamp": now, "step": s}
               for s in range(steps) for i, k in enumerate(["loss", "val_loss", "accuracy", "val_accuracy"])]
    params = [{"key": "lr", "value": str(0.001 * (r + 1))}, {"key": "layers", "value": str(2 + r % 3)}, {"key": "seed", "value": str(r)}]
    post("runs/log-batch", {"run_id": rid, "metrics": metrics, "params": params})
    post("runs/update", {"run_id": rid, "status": "FINISHED", "end_time": now + r + 1000})
    if r < 10:
        ids.append(rid)
long = post("runs/create", {"experiment_id": experiment, "run_name": "long", "start_time": now + runs})["run"]["info"]["run_id"]
for first in range(0, points, 10_000):
    batch = [{"key": "loss", "value": math.sin(s / 50_000) + (5 if s == points // 3 else 0), "timestamp": now, "step": s}
             for s in range(first, min(points, first + 10_000))]
    post("runs/log-batch", {"run_id": long, "metrics": batch})
print(json.dumps({"fill_s": round(time.perf_counter() - start, 1), "ten": ids, "long": long}))
