"""The cases of bench/cases.json, read the same way by bench/run.py and
bench/torch_bench.py (and, in C++, by bench/bench_cases.cpp)."""

import json
import os


def read_cases(path):
    """Case name -> dict(name, model, batch, conv?, fused?, net?), as bench_cases.cpp reads them."""
    with open(path) as f:
        spec = json.load(f)
    base = os.path.dirname(os.path.abspath(path))
    cases = {}
    for layer in spec["layers"]:
        name = "layer/" + layer["name"]
        cases[name] = dict(name=name, model=os.path.join(base, layer["model"]),
                           batch=layer["batch"], conv=layer["conv"],
                           fused=layer.get("fused", False))
    for model in spec["models"]:
        for batch in model["batches"]:
            name = "model/%s/b%d" % (model["name"], batch)
            cases[name] = dict(name=name, model=os.path.join(base, model["model"]),
                               batch=batch, net=model["name"])
    return cases
