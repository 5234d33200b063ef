#!/usr/bin/python3
"""cnnc's Vulkan backend against PyTorch on the same device (issue 5):
ResNet-50 inference at batch 1 and 32, and LeNet-5 training images/s, in
interleaved rounds on one machine; prints medians and ratios (above 1:
cnnc is faster) and writes them as JSON.

Meant for a machine with an NVIDIA GPU, PyTorch with CUDA, and a Vulkan
driver for the same GPU:

  bench/vulkan_gpu.py --rounds 3 --out build/bench/vulkan_gpu.json
  bench/vulkan_gpu.py --torch-device cpu --batches 1 --iters 2 --train-images 640   # a smoke run on lavapipe

LeNet-5 trains on generated 28x28 images (written as .npy, so no data set
has to be installed): cnnc through `cnnc train --backend vulkan`, whose
images/s covers its whole loop; PyTorch with the same model, batch 64, SGD
with momentum 0.9, data already on the device.
"""
import argparse
import json
import os
import re
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)


def write_npy(path, shape, values):
    """A float32 C-order .npy file (format 1.0) without numpy."""
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % (
        "".join(f"{d}, " for d in shape))
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack(f"<{len(values)}f", *values))


def cnnc_infer_ms(args, batch):
    out = subprocess.run(
        [args.cnnc, "bench", os.path.join(ROOT, "examples/models/resnet50.cnn"), "--backend",
         "vulkan", "--batch", str(batch), "--iters", str(args.iters), "--warmup", "2",
         "--profile-iters", "0", "--json"] + (["--device", str(args.device)] if args.device >= 0 else []),
        check=True, capture_output=True, text=True).stdout
    return json.loads(out)["median_ms"]


def cnnc_train_images_per_s(args, data_dir):
    out = subprocess.run(
        [args.cnnc, "train", os.path.join(ROOT, "examples/models/lenet5.cnn"), "--data",
         f"npy:{data_dir}/x.npy,{data_dir}/y.npy", "--epochs", "1", "--batch", "64",
         "--momentum", "0.9", "--val-split", "0", "--no-progress", "--backend", "vulkan",
         "--out", os.path.join(data_dir, "run")] +
        (["--device", str(args.device)] if args.device >= 0 else []),
        check=True, capture_output=True, text=True).stdout
    return float(re.search(r"epoch 1/1: .* ([0-9.]+) img/s", out).group(1))


def torch_side(args):
    import torch
    from torch import nn
    from torch_bench import lenet5, torchvision_net

    device = torch.device(args.torch_device)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    def infer_ms(batch):
        torch.manual_seed(1)
        net = torchvision_net("resnet50").eval().to(device)
        x = torch.rand(batch, 3, 224, 224, device=device) * 2 - 1
        times = []
        with torch.no_grad():
            for i in range(args.iters + 2):
                sync()
                t0 = time.perf_counter()
                net(x)
                sync()
                if i >= 2:
                    times.append(time.perf_counter() - t0)
        return 1e3 * statistics.median(times)

    def train_images_per_s():
        torch.manual_seed(1)
        net = nn.Sequential(*list(lenet5().children())[:-1]).to(device)  # logits; the loss has the softmax
        opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
        loss_fn = nn.CrossEntropyLoss()
        x = torch.rand(args.train_images, 1, 28, 28, device=device)
        y = torch.randint(0, 10, (args.train_images,), device=device)
        steps = args.train_images // 64
        sync()
        t0 = time.perf_counter()
        for s in range(steps):
            xb, yb = x[s * 64:(s + 1) * 64], y[s * 64:(s + 1) * 64]
            opt.zero_grad()
            loss_fn(net(xb), yb).backward()
            opt.step()
        sync()
        return steps * 64 / (time.perf_counter() - t0)

    return infer_ms, train_images_per_s, torch.__version__


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cnnc", default=os.path.join(ROOT, "build", "cnnc"))
    p.add_argument("--device", type=int, default=-1, help="cnnc's Vulkan device (default: its choice)")
    p.add_argument("--torch-device", default="cuda")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--iters", type=int, default=20, help="timed inferences per measurement")
    p.add_argument("--batches", default="1,32", help="ResNet-50 batch sizes")
    p.add_argument("--train-images", type=int, default=12800, help="LeNet-5 training images per measurement")
    p.add_argument("--out", help="write the figures here (JSON)")
    args = p.parse_args()

    infer_ms, train_ips, torch_version = torch_side(args)
    batches = [int(b) for b in args.batches.split(",")]
    rows = {f"resnet50/b{b}": {"cnnc": [], "torch": []} for b in batches}
    rows["lenet5/train"] = {"cnnc": [], "torch": []}
    with tempfile.TemporaryDirectory() as data:
        n = args.train_images
        write_npy(os.path.join(data, "x.npy"), (n, 1, 28, 28),
                  [((i * 2654435761) % 1000) / 1000.0 for i in range(n * 784)])
        write_npy(os.path.join(data, "y.npy"), (n,), [float(i % 10) for i in range(n)])
        for r in range(args.rounds):
            for b in batches:  # interleaved: each peer once per round
                rows[f"resnet50/b{b}"]["cnnc"].append(cnnc_infer_ms(args, b))
                rows[f"resnet50/b{b}"]["torch"].append(infer_ms(b))
            rows["lenet5/train"]["cnnc"].append(cnnc_train_images_per_s(args, data))
            rows["lenet5/train"]["torch"].append(train_ips())
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)

    result = {"torch": torch_version, "torch_device": args.torch_device, "rounds": args.rounds,
              "cases": {}}
    print(f"| case | cnnc vulkan | PyTorch {torch_version} ({args.torch_device}) | ratio |")
    print("|---|---|---|---|")
    for name, peers in rows.items():
        c, t = statistics.median(peers["cnnc"]), statistics.median(peers["torch"])
        training = name.endswith("train")
        ratio = c / t if training else t / c  # above 1: cnnc is faster
        unit = "img/s" if training else "ms"
        result["cases"][name] = {"cnnc": peers["cnnc"], "torch": peers["torch"], "ratio": ratio, "unit": unit}
        print(f"| {name} | {c:.2f} {unit} | {t:.2f} {unit} | {ratio:.2f}x |")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
