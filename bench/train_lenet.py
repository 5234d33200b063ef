#!/usr/bin/python3
"""Training benchmark: LeNet-5 on Fashion-MNIST, cnnc against PyTorch.

The recipe (the same for both): examples/models/lenet5.cnn and its PyTorch
twin (conv 6x5x5 pad 2 + ReLU, max pool 2, conv 16x5x5 + ReLU, max pool 2,
dense 120 + ReLU, 84 + ReLU, 10; softmax cross-entropy on the logits), the
60,000 training images of /usr/share/datasets/fashion-mnist scaled to
[0, 1] (v / 255, as cnnc's IDX reader does; no mean/std normalization, no
augmentation), shuffled every epoch, SGD lr 0.01 momentum 0.9, batch 64
(the last batch of an epoch partial), 10 epochs, He-normal weights
(std sqrt(2 / fan_in)) and zero biases (cnnc's `--init he`, the default of
`cnnc train`; PyTorch gets the same with `--torch-init he`, the default, or
its own default init with `--torch-init default`).

Rounds are interleaved (cnnc, PyTorch, cnnc, PyTorch, ...): the machine's
speed drifts, so only ratios from one run mean anything. Per round and
system: images/s of each epoch (the training steps only, evaluation
excluded: cnnc's metrics.csv `images_per_s`; PyTorch timed the same way,
batch gathering included), and the test accuracy after the last epoch
(cnnc: `cnnc eval RUN/last.safetensors --split test`; PyTorch: its model on
the 10,000 test images). A system's figure is the median over the epochs of
a round, then the median over rounds; ratio = cnnc images/s / PyTorch
images/s (above 1: cnnc is faster), accuracy difference = cnnc - PyTorch in
points.

  bench/train_lenet.py                                   # the full recipe, 1 round
  bench/train_lenet.py --rounds 3 --out results.json
  bench/train_lenet.py --epochs 1 --limit 2048 --backend reference   # a quick check
  bench/train_lenet.py --recipe best --cnnc-args "--augment shift=2 --schedule cosine"
  bench/train_lenet.py --from build/bench/train_lenet.json           # re-print a table

`--recipe best` runs only cnnc, for 20 epochs by default, with the recipe's
options overridden or extended by --cnnc-args, and prints the test accuracy
after every epoch (cnnc evaluates the data's test split after each epoch
unless --cnnc-args holds --val-split), so a recipe reaching 91% can be
documented.

Runs with /usr/bin/python3 (Debian's python3-torch is seen only by it);
stdlib + torch + numpy. `make bench-train` installs the peers and runs it.
"""
import argparse
import gzip
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODEL = os.path.join(ROOT, "examples", "models", "lenet5.cnn")
DATA = "/usr/share/datasets/fashion-mnist"
RECIPE = dict(batch=64, optimizer="sgd", lr=0.01, momentum=0.9)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# The PyTorch side, run in its own process (--torch-worker) so that every
# round starts fresh, like cnnc's, and the parent never loads torch.

def read_idx(path):
    import numpy as np
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError("%s: not an IDX file of unsigned bytes" % path)
    rank = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def idx_split(data_dir, split):
    """(images [N, 1, 28, 28] float32 in [0, 1], labels [N] int64), as
    runtime/data/idx.cpp reads them: `train-*` and `t10k-*`, plain or .gz,
    pixels v / 255."""
    import numpy as np
    prefix = "train" if split == "train" else "t10k"

    def find(kind):
        for name in ("%s-%s" % (prefix, kind), "%s-%s.gz" % (prefix, kind)):
            if os.path.exists(os.path.join(data_dir, name)):
                return os.path.join(data_dir, name)
        sys.exit("train_lenet: no %s-%s[.gz] in %s" % (prefix, kind, data_dir))

    images = read_idx(find("images-idx3-ubyte")).astype(np.float32) / 255.0
    labels = read_idx(find("labels-idx1-ubyte")).astype(np.int64)
    return images.reshape(images.shape[0], 1, images.shape[1], images.shape[2]), labels


def torch_worker(args):
    import torch
    from torch import nn
    import torch.nn.functional as F

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    train_x, train_y = idx_split(args.data, "train")
    test_x, test_y = idx_split(args.data, "test")
    if args.limit:
        train_x, train_y = train_x[:args.limit], train_y[:args.limit]
    train_x, train_y = torch.from_numpy(train_x.copy()), torch.from_numpy(train_y.copy())
    test_x, test_y = torch.from_numpy(test_x.copy()), torch.from_numpy(test_y.copy())

    # examples/models/lenet5.cnn without its final softmax: the loss takes
    # the logits, as cnnc's training graph does.
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))
    if args.torch_init == "he":
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
                nn.init.zeros_(m.bias)
    params = sum(p.numel() for p in model.parameters())

    def make_optimizer():
        return torch.optim.SGD(model.parameters(), lr=RECIPE["lr"], momentum=RECIPE["momentum"])

    def step(opt, x, y):
        opt.zero_grad(set_to_none=True)
        out = model(x)
        loss = F.cross_entropy(out, y)
        loss.backward()
        opt.step()
        return loss.item(), (out.argmax(1) == y).sum().item()

    batch = RECIPE["batch"]
    if not args.no_warmup:
        # Untimed steps (thread pool, allocator), then back to the initial weights.
        initial = {k: v.clone() for k, v in model.state_dict().items()}
        opt = make_optimizer()
        for b in range(5):
            step(opt, train_x[b * batch:(b + 1) * batch], train_y[b * batch:(b + 1) * batch])
        model.load_state_dict(initial)

    def evaluate():
        model.eval()
        correct, loss = 0, 0.0
        with torch.no_grad():
            for b in range(0, len(test_y), 1000):
                out = model(test_x[b:b + 1000])
                loss += F.cross_entropy(out, test_y[b:b + 1000], reduction="sum").item()
                correct += (out.argmax(1) == test_y[b:b + 1000]).sum().item()
        model.train()
        return correct / len(test_y), loss / len(test_y)

    opt = make_optimizer()
    gen = torch.Generator().manual_seed(args.seed)
    n = len(train_y)
    model.train()
    print(json.dumps(dict(kind="setup", params=params, torch=torch.__version__,
                          train_images=n, test_images=len(test_y),
                          init=args.torch_init)), flush=True)
    for epoch in range(args.epochs):
        order = torch.randperm(n, generator=gen)
        loss_sum, correct = 0.0, 0
        start = time.perf_counter()
        for b in range(0, n, batch):
            idx = order[b:b + batch]
            loss, right = step(opt, train_x[idx], train_y[idx])
            loss_sum += loss * len(idx)
            correct += right
        seconds = time.perf_counter() - start
        test_acc, test_loss = evaluate()
        print(json.dumps(dict(kind="epoch", epoch=epoch + 1, train_loss=loss_sum / n,
                              train_acc=correct / n, test_loss=test_loss, test_acc=test_acc,
                              epoch_seconds=seconds, images_per_s=n / seconds)), flush=True)
    return 0


# ---------------------------------------------------------------------------
# The driver.

def env_for(args):
    return dict(os.environ, OMP_NUM_THREADS=str(args.threads), HL_NUM_THREADS=str(args.threads))


def run_checked(cmd, env, what):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        tail = " | ".join((p.stderr.strip() or p.stdout.strip()).splitlines()[-5:])
        raise RuntimeError("%s exited %d: %s" % (what, p.returncode, tail))
    return p.stdout


def read_metrics(path):
    with open(path) as f:
        lines = [line.strip().split(",") for line in f if line.strip()]
    header, rows = lines[0], lines[1:]
    out = []
    for row in rows:
        r = dict(zip(header, row))
        out.append(dict(epoch=int(r["epoch"]), train_loss=float(r["train_loss"]),
                        train_acc=float(r["train_acc"]),
                        val_loss=float(r["val_loss"]) if r["val_loss"] else None,
                        val_acc=float(r["val_acc"]) if r["val_acc"] else None,
                        epoch_seconds=float(r["epoch_seconds"]),
                        images_per_s=float(r["images_per_s"])))
    return out


def option_name(token):
    return {"-b": "--backend", "-o": "--out", "-w": "--weights"}.get(
        token.split("=", 1)[0], token.split("=", 1)[0])


def cnnc_train_command(args, run_dir, epochs, limit, extra=()):
    """`cnnc train` with the recipe; options in `extra` replace the recipe's
    of the same name (CLI11 refuses an option given twice)."""
    given = {option_name(t) for t in extra if t.startswith("-")}
    base = [("--epochs", str(epochs)), ("--batch", str(RECIPE["batch"])),
            ("--optimizer", RECIPE["optimizer"]), ("--lr", str(RECIPE["lr"])),
            ("--momentum", str(RECIPE["momentum"])), ("--init", "he"),
            ("--seed", str(args.seed)), ("--backend", args.backend),
            ("--threads", str(args.threads)), ("--out", run_dir)]
    if limit:
        base.append(("--limit", str(limit)))
    optimizer = next((extra[i + 1] for i, t in enumerate(extra[:-1]) if t == "--optimizer"),
                     next((t.split("=", 1)[1] for t in extra if t.startswith("--optimizer=")), None))
    cmd = [args.cnnc, "train", MODEL, "--data", "idx:" + args.data, "--no-progress"]
    for name, value in base:
        if name in given:
            continue
        if name == "--momentum" and optimizer not in (None, "sgd"):
            continue  # momentum is SGD's; adam/adamw refuse it
        cmd += [name, value]
    return cmd + list(extra)


def cnnc_eval(args, weights, env):
    """(accuracy, loss, the whole report) of `cnnc eval` on the test split."""
    with tempfile.TemporaryDirectory(prefix="train-lenet-") as tmp:
        report = os.path.join(tmp, "eval.json")
        out = run_checked([args.cnnc, "eval", MODEL, "--weights", weights, "--data", "idx:" + args.data,
                           "--split", "test", "--backend", args.backend,
                           "--threads", str(args.threads), "--json", report], env, "cnnc eval")
        if os.path.exists(report):
            with open(report) as f:
                r = json.load(f)
            return r["accuracy"], r["loss"], dict(items=r["items"], correct=r["correct"],
                                                   classes=r["classes"], confusion=r["confusion"])
    m = re.search(r"^accuracy\s+([0-9.]+)\s+\((\d+) of (\d+) correct\)", out, re.M)
    loss = re.search(r"^mean loss\s+([0-9.eE+-]+|nan|inf)", out, re.M)
    if not m:
        raise RuntimeError("cnnc eval printed no accuracy line:\n" + out)
    return float(m.group(1)), float(loss.group(1)) if loss else None, dict(
        items=int(m.group(3)), correct=int(m.group(2)))


def without_options(tokens, names):
    """tokens less the options in names (and the value of each that has one)."""
    out, skip = [], False
    for t in tokens:
        if skip:
            skip = False
        elif option_name(t) in names:
            skip = "=" not in t
        else:
            out.append(t)
    return out


def cnnc_warmup(args, env, work, extra=()):
    """An untimed short run with the same options (optimizer, augmentation,
    ...) that compiles the training kernels into the backend's kernel cache,
    partial batches included, so no timed epoch pays for compiling."""
    run_dir = os.path.join(work, "cnnc-warmup")
    shutil.rmtree(run_dir, ignore_errors=True)
    extra = without_options(extra, {"--epochs", "--limit", "--out", "--resume"})
    # The timed run's batch sizes: whole batches and the epoch's partial last
    # one (60000 % 64 = 32 images), and the validation pass's.
    batch = 64
    partial = (args.limit or 60000) % batch
    cmd = cnnc_train_command(args, run_dir, 1, 4 * batch + partial, extra)
    run_checked(cmd, env, "cnnc train (warm-up)")
    shutil.rmtree(run_dir, ignore_errors=True)


def cnnc_round(args, env, work, name, epochs, limit, extra=(), eval_best=False):
    run_dir = os.path.join(work, name)
    shutil.rmtree(run_dir, ignore_errors=True)
    cmd = cnnc_train_command(args, run_dir, epochs, limit, extra)
    t0 = time.perf_counter()
    stdout = run_checked(cmd, env, "cnnc train")
    wall = time.perf_counter() - t0
    epochs_out = read_metrics(os.path.join(run_dir, "metrics.csv"))
    acc, loss, report = cnnc_eval(args, os.path.join(run_dir, "last.safetensors"), env)
    result = dict(command=" ".join(shlex.quote(c) for c in cmd), run_dir=run_dir, wall_s=wall,
                  train_log=stdout.strip().splitlines(), epochs=epochs_out,
                  test_acc=acc, test_loss=loss, eval=report)
    if eval_best:
        best_acc, best_loss, _ = cnnc_eval(args, os.path.join(run_dir, "best.safetensors"), env)
        result.update(best_test_acc=best_acc, best_test_loss=best_loss)
    return result


def torch_round(args, env):
    cmd = [args.python, os.path.abspath(__file__), "--torch-worker", "--epochs", str(args.epochs),
           "--limit", str(args.limit), "--seed", str(args.seed), "--threads", str(args.threads),
           "--data", args.data, "--torch-init", args.torch_init]
    if args.no_warmup:
        cmd.append("--no-warmup")
    t0 = time.perf_counter()
    out = run_checked(cmd, env, "PyTorch")
    wall = time.perf_counter() - t0
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    setup = next(l for l in lines if l["kind"] == "setup")
    epochs = [l for l in lines if l["kind"] == "epoch"]
    for e in epochs:
        del e["kind"]
    if not epochs:
        raise RuntimeError("PyTorch reported no epoch")
    return dict(wall_s=wall, setup=setup, epochs=epochs, test_acc=epochs[-1]["test_acc"],
                test_loss=epochs[-1]["test_loss"])


def median_or_none(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(rounds):
    ok = [r for r in rounds if "epochs" in r]
    per_round_ips = [statistics.median(e["images_per_s"] for e in r["epochs"]) for r in ok]
    per_round_sec = [statistics.median(e["epoch_seconds"] for e in r["epochs"]) for r in ok]
    return dict(images_per_s=median_or_none(per_round_ips),
                epoch_seconds=median_or_none(per_round_sec),
                test_acc=median_or_none([r["test_acc"] for r in ok]),
                round_images_per_s=per_round_ips, round_epoch_seconds=per_round_sec,
                round_test_acc=[r["test_acc"] for r in ok],
                ok_rounds=len(ok), errors=[r["error"] for r in rounds if "error" in r])


def check_twin(args, params):
    """The PyTorch twin must have the .cnn model's trainable parameter count."""
    out = subprocess.run([args.cnnc, "inspect", "--json", "--batch", "64", MODEL],
                         capture_output=True, text=True)
    if out.returncode != 0:
        return None
    cnnc_params = json.loads(out.stdout)["total_params"]
    if cnnc_params != params:
        sys.exit("train_lenet: the PyTorch LeNet-5 has %d parameters, %s has %d" % (
            params, os.path.relpath(MODEL, ROOT), cnnc_params))
    return cnnc_params


def machine():
    sys.path.insert(0, HERE)
    sys.dont_write_bytecode = True  # no __pycache__ files in the source tree
    try:
        from run import machine_info  # bench/run.py: CPU, packages, BLAS, git commit
        return machine_info()
    except Exception as e:  # the benchmark does not depend on it
        return dict(error=str(e), nproc=os.cpu_count(), loadavg_start=list(os.getloadavg()))


def pct(x):
    return "%.2f%%" % (100 * x) if x is not None else "—"


def describe(r):
    s = r["settings"]
    m = r["machine"]
    return ("LeNet-5 on Fashion-MNIST (%s training images, 10,000 test), %d epochs, batch %d, "
            "SGD lr %g momentum %g, no augmentation, pixels v/255; init: cnnc He normal, PyTorch %s; "
            "backend %s, %d threads each, %d round(s) interleaved; images/s and epoch s: median over "
            "each round's epochs (training steps only), then over rounds; %s, %s CPUs, load average "
            "%.2f at start, %.2f at end; %s" % (
                "{:,}".format(s["limit"]) if s["limit"] else "60,000", s["epochs"], RECIPE["batch"],
                RECIPE["lr"], RECIPE["momentum"],
                "He normal, zero biases" if s["torch_init"] == "he" else "its default init",
                s["backend"], s["threads"], s["rounds"], m.get("cpu", "?"), m.get("nproc", "?"),
                m.get("loadavg_start", [0])[0], m.get("loadavg_end", [0])[0], m.get("date", "")))


def print_compare(r):
    c, t = r["systems"]["cnnc"], r["systems"]["torch"]
    ratio = r["ratio"]
    print("| system | images/s | epoch s | test accuracy |")
    print("|---|--:|--:|--:|")

    def row(name, s):
        print("| %s | %s | %s | %s |" % (
            name, "%.0f" % s["images_per_s"] if s["images_per_s"] else "—",
            "%.2f" % s["epoch_seconds"] if s["epoch_seconds"] else "—", pct(s["test_acc"])))

    row("cnnc (%s)" % r["settings"]["backend"], c)
    row("PyTorch %s eager" % r.get("torch_version", ""), t)
    print("| cnnc / PyTorch | %s | %s | %s |" % (
        "%.2f×" % ratio["images_per_s"] if ratio["images_per_s"] else "—",
        "%.2f×" % ratio["epoch_seconds"] if ratio["epoch_seconds"] else "—",
        "%+.2f points" % ratio["accuracy_points"] if ratio["accuracy_points"] is not None else "—"))
    print("\n" + describe(r))
    errors = [(n, e) for n, s in r["systems"].items() for e in s["errors"]]
    if errors:
        print("\nerrors:")
        for n, e in errors:
            print("  %s: %s" % (n, e))


def print_best(r):
    run = r["run"]
    if "error" in run:
        print("error: " + run["error"])
        return
    what = "validation" if r["per_epoch_is_validation"] else "test"
    print("cnnc train options: %s\n" % r["cnnc_args"])
    print("| epoch | train loss | train accuracy | %s loss | %s accuracy | epoch s | images/s |" % (what, what))
    print("|--:|--:|--:|--:|--:|--:|--:|")
    for e in run["epochs"]:
        print("| %d | %.4f | %s | %s | %s | %.2f | %.0f |" % (
            e["epoch"], e["train_loss"], pct(e["train_acc"]),
            "%.4f" % e["val_loss"] if e["val_loss"] is not None else "—", pct(e["val_acc"]),
            e["epoch_seconds"], e["images_per_s"]))
    print("\ntest accuracy (`cnnc eval`): last.safetensors %s, best.safetensors %s" % (
        pct(run["test_acc"]), pct(run.get("best_test_acc"))))
    accs = [e["val_acc"] for e in run["epochs"] if e["val_acc"] is not None]
    if accs and not r["per_epoch_is_validation"]:
        best = max(range(len(accs)), key=lambda i: accs[i])
        print("best epoch: %d at %s test accuracy; >= 91%%: %s" % (
            best + 1, pct(accs[best]), "yes" if accs[best] >= 0.91 else "no"))
    s = r["settings"]
    m = r["machine"]
    print("\nLeNet-5 on Fashion-MNIST, %d epochs, backend %s, %d threads; %s, load average %.2f at "
          "start, %.2f at end; %s" % (s["epochs"], s["backend"], s["threads"], m.get("cpu", "?"),
                                      m.get("loadavg_start", [0])[0], m.get("loadavg_end", [0])[0],
                                      m.get("date", "")))


def print_results(r):
    if r["settings"]["recipe"] == "best":
        print_best(r)
    else:
        print_compare(r)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--recipe", choices=["compare", "best"], default="compare",
                   help="compare: cnnc against PyTorch on the issue's recipe (default); "
                        "best: cnnc alone with --cnnc-args, test accuracy every epoch")
    p.add_argument("--rounds", type=int, default=1, help="interleaved rounds (compare)")
    p.add_argument("--epochs", type=int, help="default 10 (compare), 20 (best)")
    p.add_argument("--limit", type=int, default=0, help="train on the first N training images only")
    p.add_argument("--backend", default="halide", help="cnnc's backend (default halide)")
    p.add_argument("--threads", type=int, default=2, help="threads of each system (default 2)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of initialization and shuffling (round r adds r - 1)")
    p.add_argument("--torch-init", choices=["he", "default"], default="he",
                   help="he: He normal weights and zero biases, as cnnc's --init he (default); "
                        "default: PyTorch's own (Kaiming uniform with a=sqrt(5))")
    p.add_argument("--cnnc-args", default="",
                   help="extra `cnnc train` options for --recipe best; they replace the recipe's "
                        "options of the same name")
    p.add_argument("--no-warmup", action="store_true",
                   help="no untimed warm-up (cnnc: a short run filling the kernel cache; "
                        "PyTorch: 5 steps)")
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--cnnc", help="the cnnc command, default BUILD/cnnc")
    p.add_argument("--python", default="/usr/bin/python3", help="the Python that sees Debian's torch")
    p.add_argument("--data", default=DATA, help="the Fashion-MNIST IDX folder (default %s)" % DATA)
    p.add_argument("--out", help="JSON results (default BUILD/bench/train_lenet.json, "
                   "train_lenet_best.json for --recipe best)")
    p.add_argument("--work", help="where the cnnc run directories go (default next to --out)")
    p.add_argument("--from", dest="from_json", metavar="FILE",
                   help="measure nothing: print the table of a results file --out wrote")
    p.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()

    if args.torch_worker:
        return torch_worker(args)
    if args.from_json:
        with open(args.from_json) as f:
            print_results(json.load(f))
        return 0

    best = args.recipe == "best"
    args.epochs = args.epochs or (20 if best else 10)
    args.cnnc = args.cnnc or os.path.join(args.build, "cnnc")
    args.out = args.out or os.path.join(args.build, "bench",
                                        "train_lenet_best.json" if best else "train_lenet.json")
    args.work = args.work or os.path.join(os.path.dirname(os.path.abspath(args.out)),
                                          "train_lenet_best-runs" if best else "train_lenet-runs")
    if args.rounds < 1 or args.epochs < 1 or args.limit < 0:
        sys.exit("train_lenet: --rounds and --epochs must be at least 1, --limit at least 0")
    if args.cnnc_args and not best:
        sys.exit("train_lenet: --cnnc-args is for --recipe best; the comparison runs the recipe as it is")
    if not os.access(args.cnnc, os.X_OK):
        sys.exit("train_lenet: the cnnc command not found (%s); `make bench-train` builds it" % args.cnnc)
    if not os.path.isdir(args.data):
        sys.exit("train_lenet: no Fashion-MNIST in %s (`tools/install-deps.sh` installs "
                 "dataset-fashion-mnist)" % args.data)
    if not best and not os.access(args.python, os.X_OK):
        sys.exit("train_lenet: %s not found (PyTorch's Python)" % args.python)
    os.makedirs(args.work, exist_ok=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    env = env_for(args)

    info = machine()
    if info.get("loadavg_start", [0])[0] > 0.5:
        log("warning: load average %.2f: other work shares the CPUs; with %d threads per system "
            "the figures will be noisy" % (info["loadavg_start"][0], args.threads))
    settings = dict(recipe=args.recipe, epochs=args.epochs, limit=args.limit, backend=args.backend,
                    threads=args.threads, seed=args.seed, rounds=1 if best else args.rounds,
                    torch_init=args.torch_init, warmup=not args.no_warmup, data=args.data,
                    model=os.path.relpath(MODEL, ROOT), **RECIPE)
    results = dict(machine=info, settings=settings)

    extra = shlex.split(args.cnnc_args)
    if not args.no_warmup:
        log("cnnc: warm-up (compiling kernels into the cache)")
        try:
            cnnc_warmup(args, env, args.work, extra)
        except RuntimeError as e:
            log("cnnc warm-up failed: %s" % e)

    if best:
        results["cnnc_args"] = args.cnnc_args
        results["per_epoch_is_validation"] = any(option_name(t) == "--val-split" for t in extra)
        log("cnnc: %d epochs with %s" % (args.epochs, args.cnnc_args or "the recipe's options"))
        try:
            results["run"] = cnnc_round(args, env, args.work, "cnnc-best", args.epochs, args.limit,
                                        extra, eval_best=True)
        except RuntimeError as e:
            results["run"] = dict(error=str(e))
    else:
        rounds = {"cnnc": [], "torch": []}
        base_seed = args.seed
        for r in range(args.rounds):
            args.seed = base_seed + r
            log("round %d/%d: cnnc (%s)" % (r + 1, args.rounds, args.backend))
            try:
                rounds["cnnc"].append(cnnc_round(args, env, args.work, "cnnc-round%d" % (r + 1),
                                                 args.epochs, args.limit))
            except RuntimeError as e:
                log("  failed: %s" % e)
                rounds["cnnc"].append(dict(error=str(e)))
            log("round %d/%d: PyTorch" % (r + 1, args.rounds))
            try:
                t = torch_round(args, env)
                results["torch_version"] = (info.get("packages") or {}).get("python3-torch") \
                    or t["setup"]["torch"]
                if r == 0:
                    results["params"] = check_twin(args, t["setup"]["params"])
                rounds["torch"].append(t)
            except RuntimeError as e:
                log("  failed: %s" % e)
                rounds["torch"].append(dict(error=str(e)))
        args.seed = base_seed
        systems = {k: summarize(v) for k, v in rounds.items()}
        for k, v in rounds.items():
            systems[k]["rounds"] = v
        c, t = systems["cnnc"], systems["torch"]
        results["systems"] = systems
        results["ratio"] = dict(
            images_per_s=c["images_per_s"] / t["images_per_s"]
            if c["images_per_s"] and t["images_per_s"] else None,
            epoch_seconds=c["epoch_seconds"] / t["epoch_seconds"]
            if c["epoch_seconds"] and t["epoch_seconds"] else None,
            accuracy_points=100 * (c["test_acc"] - t["test_acc"])
            if c["test_acc"] is not None and t["test_acc"] is not None else None)
    info["loadavg_end"] = list(os.getloadavg())

    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)
    print_results(results)
    log("wrote %s" % args.out)
    failed = ("error" in results["run"]) if best else any(
        s["ok_rounds"] == 0 for s in results["systems"].values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
