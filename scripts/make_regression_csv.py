#!/usr/bin/env python3
"""Writes configs/data/regression.csv, the table of configs/tabular_regression.yaml:
600 rows of id, five features and y = w . x + 0.5 + noise (seeded; run it to
regenerate the same file)."""
import random

rng = random.Random(7)
w = [1.5, -2.0, 0.7, 0.0, 3.1]
with open("configs/data/regression.csv", "w") as f:
    f.write("id,x1,x2,x3,x4,x5,y\n")
    for i in range(600):
        x = [round(rng.gauss(0, 1), 4) for _ in w]
        y = sum(a * b for a, b in zip(w, x)) + 0.5 + rng.gauss(0, 0.1)
        f.write(f"{1000 + i}," + ",".join(str(v) for v in x) + f",{y:.4f}\n")
