#!/usr/bin/python3
"""PyTorch's side of the benchmarks: the cases of bench/cases.json on the CPU.

Debian's python3-torch is seen only by /usr/bin/python3. Every case runs in
eval mode under torch.no_grad(), with torch.set_num_threads(THREADS), in two
modes: `eager`, and `optimized` (torch.jit.trace, torch.jit.freeze, then
torch.jit.optimize_for_inference). Each (case, mode) prints one JSON line with
its per-iteration times.

  torch_bench.py --case layer/d --case model/resnet50/b1 [--modes eager,optimized]
  torch_bench.py --verify --cnnc build/cnnc    # the torch models match the .cnn ones
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

from bench_cases import read_cases
import torch
import torchvision
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


def conv_flops(conv, batch):
    oh = (conv["H"] + 2 * conv.get("pad", 0) - conv["R"]) // conv.get("stride", 1) + 1
    ow = (conv["W"] + 2 * conv.get("pad", 0) - conv["S"]) // conv.get("stride", 1) + 1
    return 2 * batch * conv["K"] * (conv["C"] // conv.get("groups", 1)) * conv["R"] * conv["S"] * oh * ow


def lenet5():
    """examples/models/lenet5.cnn: ReLU and max pooling, softmax at the end."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
        nn.Softmax(dim=1))


def torchvision_net(name):
    """The torchvision network the .cnn file of the same name describes, with
    the softmax layer every .cnn ends with. Differences from torchvision's
    defaults, made to match the .cnn architecture:
      googlenet: no auxiliary heads (aux_logits=False); transform_input stays
                 False (the .cnn has no input transform);
      vgg16:     no AdaptiveAvgPool2d((7, 7)) (the .cnn has none; at 224x224
                 it is the identity)."""
    models = torchvision.models
    if name == "googlenet":
        net = models.googlenet(weights=None, aux_logits=False, init_weights=False)
    elif name == "vgg16":
        net = models.vgg16(weights=None)
        net.avgpool = nn.Identity()
    else:
        net = getattr(models, name)(weights=None)
    return nn.Sequential(net, nn.Softmax(dim=1))


def build(case):
    """(module in eval mode, random input) for a case."""
    torch.manual_seed(1)
    if "conv" in case:
        c = case["conv"]
        conv = nn.Conv2d(c["C"], c["K"], (c["R"], c["S"]), stride=c.get("stride", 1),
                         padding=c.get("pad", 0), groups=c.get("groups", 1),
                         bias=case["fused"])
        module = nn.Sequential(conv, nn.ReLU(), nn.MaxPool2d(2, 2)) if case["fused"] else conv
        shape = (case["batch"], c["C"], c["H"], c["W"])
    else:
        module = lenet5() if case["net"] == "lenet5" else torchvision_net(case["net"])
        shape = (case["batch"], 1, 28, 28) if case["net"] == "lenet5" else (case["batch"], 3, 224, 224)
    return module.eval(), torch.rand(shape) * 2 - 1


def optimize(module, x):
    module = torch.jit.freeze(torch.jit.trace(module, x))
    return torch.jit.optimize_for_inference(module)


def time_runs(fn, x, min_time, warmup_time, min_warmup_runs=3):
    """Warm-up (at least min_warmup_runs and warmup_time seconds: the JIT
    profiles and optimizes during its first runs), then runs until min_time
    seconds have passed; returns each run's seconds."""
    start = time.perf_counter()
    runs = 0
    while runs < min_warmup_runs or time.perf_counter() - start < warmup_time:
        fn(x)
        runs += 1
    times = []
    start = time.perf_counter()
    while not times or time.perf_counter() - start < min_time:
        t0 = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - t0)
    return times


def bench(case, mode, args):
    module, x = build(case)
    with torch.no_grad():
        t0 = time.perf_counter()
        fn = optimize(module, x) if mode == "optimized" else module
        setup = time.perf_counter() - t0
        times = time_runs(fn, x, args.min_time, args.warmup_time)
    mean = statistics.fmean(times)
    flops = conv_flops(case["conv"], case["batch"]) if "conv" in case else None
    return dict(case=case["name"], peer="torch-" + mode, batch=case["batch"], threads=args.threads,
                iterations=len(times), mean_s=mean, median_s=statistics.median(times),
                items_per_s=case["batch"] / mean, flops=flops,
                flops_per_s=flops / mean if flops else None, setup_s=setup, times_s=times)


def cnnc_inspect(cnnc, model, batch):
    out = subprocess.run([cnnc, "inspect", "--json", "--batch", str(batch), model],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def verify(case, cnnc):
    """The torch module has the .cnn model's trainable parameter count and
    output shape; returns a dict with ok=True/False and both sides."""
    module, x = build(case)
    with torch.no_grad():
        out_shape = list(module(x).shape)
    torch_params = sum(p.numel() for p in module.parameters())
    info = cnnc_inspect(cnnc, case["model"], case["batch"])
    dims = re.findall(r"N|\d+", info["layers"][-1]["output_shape"])
    cnnc_shape = [case["batch"] if d == "N" else int(d) for d in dims]
    ok = torch_params == info["total_params"] and out_shape == cnnc_shape
    return dict(case=case["name"], verify=ok, torch_params=torch_params,
                cnnc_params=info["total_params"], torch_output=out_shape, cnnc_output=cnnc_shape)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases-file", default=os.path.join(HERE, "cases.json"))
    p.add_argument("--case", action="append", default=[], help="case name (repeatable); default all")
    p.add_argument("--modes", default="eager,optimized")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--min-time", type=float, default=0.5, help="seconds of timed runs per case and mode")
    p.add_argument("--warmup-time", type=float, default=0.2, help="seconds of untimed runs first")
    p.add_argument("--verify", action="store_true", help="compare with `cnnc inspect` instead of timing")
    p.add_argument("--cnnc", default="build/cnnc", help="the cnnc command, for --verify")
    args = p.parse_args()

    cases = read_cases(args.cases_file)
    names = args.case or list(cases)
    unknown = [n for n in names if n not in cases]
    if unknown:
        sys.exit("torch_bench: unknown case(s) %s; known: %s" % (", ".join(unknown), ", ".join(cases)))
    modes = args.modes.split(",")
    if any(m not in ("eager", "optimized") for m in modes):
        sys.exit("torch_bench: --modes takes eager and/or optimized")
    torch.set_num_threads(args.threads)

    failed = False
    for name in names:
        if args.verify:
            result = verify(cases[name], args.cnnc)
            failed |= not result["verify"]
            print(json.dumps(result), flush=True)
            continue
        for mode in modes:
            print(json.dumps(bench(cases[name], mode, args)), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
