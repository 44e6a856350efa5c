"""Checks that every server gave the same answers: reads each server's JSON answer to the same 1000 rows and
prints the largest difference in probability from proj's. Usage: python compare.py PROJ.json OTHER.json..."""
import json
import sys


def probabilities(path):
    with open(path) as f:
        answer = json.load(f)
    rows = answer["predictions"] if isinstance(answer, dict) else answer
    return [r["probability"] for r in rows]


reference = probabilities(sys.argv[1])
for path in sys.argv[2:]:
    other = probabilities(path)
    assert len(other) == len(reference), f"{path}: {len(other)} answers, proj gave {len(reference)}"
    print(f"{path}: {len(other)} rows, largest probability difference from proj {max(abs(a - b) for a, b in zip(reference, other)):.2e}")
