#!/usr/bin/python3
"""Runs cnnc and its peers on the cases of bench/cases.json, interleaved on
this machine in one go, and prints the ratios.

For each case, every round runs one short burst of each peer in turn
(cnnc, PyTorch eager, PyTorch optimized, oneDNN, then cnnc again, ...): the
machine's speed drifts over minutes, so only ratios of runs taken side by
side mean anything. A burst gives one time per run (the mean over the
burst's timed iterations, after warm-up); a peer's figure is the median of
its rounds; speedup = peer time / cnnc time (above 1: cnnc is faster).
For single layers, oneDNN's convolution primitive (memory format `any`, its
data already blocked) is compared with cnnc's kernel time alone (its data
already in the layout it chose, the edge reorders left out), and oneDNN with
its reorders with cnnc's whole run from NCHW to NCHW.

  bench/run.py --build build --cases layers --rounds 5 --out results.json
  bench/run.py --cases layer/d,model/resnet18/b1 --rounds 1
  bench/run.py --cases compile --rounds 3    # ResNet-50 compile time, cold and warm
  bench/run.py ... --markdown                # the table in Markdown, for bench/RESULTS.md
  bench/run.py --from results.json --markdown  # the table of an earlier run
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from bench_cases import read_cases

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
COMPILE_CASE = "compile/resnet50"
COMPILE_MODEL = os.path.join(ROOT, "examples", "models", "resnet50.cnn")
PACKAGES = ["python3-torch", "python3-torchvision", "libopenblas0-openmp", "libdnnl2",
            "libhalide14-0-dev", "libbenchmark-dev"]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def select(spec, cases):
    if spec == "all":
        return list(cases) + [COMPILE_CASE]
    if spec == "layers":
        return [n for n in cases if n.startswith("layer/")]
    if spec == "models":
        return [n for n in cases if n.startswith("model/")]
    if spec == "compile":
        return [COMPILE_CASE]
    names = [n.strip() for n in spec.split(",") if n.strip()]
    unknown = [n for n in names if n not in cases and n != COMPILE_CASE]
    if unknown:
        sys.exit("run.py: unknown case(s) %s; known: layers, models, compile, all, %s, %s"
                 % (", ".join(unknown), ", ".join(cases), COMPILE_CASE))
    return names


def command_output(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def machine_info():
    lscpu = command_output(["lscpu"]) or ""
    model = re.search(r"^Model name:\s*(.+)$", lscpu, re.M)
    versions = {}
    for p in PACKAGES:
        versions[p] = command_output(["dpkg-query", "-W", "-f=${Version}", p])
    blas = command_output(["update-alternatives", "--query", "libblas.so.3-x86_64-linux-gnu"]) or ""
    blas_value = re.search(r"^Value:\s*(.+)$", blas, re.M)
    return dict(cpu=model.group(1).strip() if model else platform.processor(),
                nproc=os.cpu_count(), kernel=platform.release(),
                date=datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                loadavg_start=list(os.getloadavg()), packages=versions,
                blas=blas_value.group(1).strip() if blas_value else None,
                git_commit=command_output(["git", "-C", ROOT, "rev-parse", "HEAD"]),
                git_dirty=bool(command_output(["git", "-C", ROOT, "status", "--porcelain"])))


class Runner:
    def __init__(self, args):
        self.args = args
        self.env = dict(os.environ, OMP_NUM_THREADS=str(args.threads),
                        HL_NUM_THREADS=str(args.threads))
        self.contexts = {}

    def run(self, cmd):
        """stdout of cmd; raises RuntimeError with stderr's tail when it fails."""
        p = subprocess.run(cmd, capture_output=True, text=True, env=self.env)
        if p.returncode != 0:
            tail = (p.stderr or p.stdout).strip().splitlines()[-5:]
            raise RuntimeError("%s exited %d: %s" % (os.path.basename(cmd[0]), p.returncode,
                                                     " | ".join(tail)))
        return p.stdout

    def google_benchmark(self, binary, peer, pattern, extra=()):
        """Results of one burst of a Google Benchmark binary: benchmark name ->
        dict(time_s, counters...) or dict(error)."""
        out = self.run([binary, "--benchmark_filter=" + pattern, "--benchmark_format=json",
                        "--benchmark_min_time=%g" % self.args.min_time,
                        "--benchmark_min_warmup_time=%g" % self.args.warmup_time,
                        "--threads", str(self.args.threads), *extra])
        report = json.loads(out)
        self.contexts.setdefault(peer, report.get("context"))
        results = {}
        for b in report["benchmarks"]:
            name = b["name"].removesuffix("/real_time")  # UseRealTime's suffix
            if b.get("error_occurred"):
                results[name] = dict(error=b.get("error_message", "error"))
                continue
            scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
            kept = ("FLOP/s", "items_per_second", "compile_s", "first_run_s", "flops",
                    "src_reordered", "dst_reordered", "kernels_s", "edge_reorders_s")
            results[name] = dict(time_s=b["real_time"] * scale, iterations=b["iterations"],
                                 label=b.get("label"),
                                 counters={k: v for k, v in b.items() if k in kept})
        return results

    def cnnc(self, case):
        results = self.google_benchmark(self.args.cnnc_bench, "cnnc", "^%s(/|$)" % re.escape(case),
                                        ["--backend", self.args.backend,
                                         "--cache-dir", self.args.cache_dir])
        whole = results.get(case, dict(error="no result for " + case))
        out = {"cnnc": whole}
        if case.startswith("layer/"):
            # The layer's kernel without the reorders at the model's edges,
            # as oneDNN's primitive is timed without its reorders.
            kernels = whole.get("counters", {}).get("kernels_s")
            out["cnnc-kernels"] = (dict(time_s=kernels) if kernels else
                                   dict(error=whole.get("error", "no kernels_s counter")))
        return out

    def onednn(self, case):
        suffix = case.split("/", 1)[1]
        results = self.google_benchmark(self.args.onednn_bench, "onednn",
                                        "^(layer|reorder)/%s(/|$)" % re.escape(suffix))
        layer = results.get(case, dict(error="no result for " + case))
        reorders = results.get("reorder/" + suffix, dict(error="no reorder result"))
        out = {"onednn": layer}
        if "time_s" in layer and "time_s" in reorders:
            out["onednn+reorders"] = dict(time_s=layer["time_s"] + reorders["time_s"],
                                          reorders_s=reorders["time_s"],
                                          counters=reorders["counters"])
        else:
            out["onednn+reorders"] = dict(error=reorders.get("error") or layer.get("error"))
        return out

    def torch(self, case):
        out = self.run([self.args.python, self.args.torch_bench, "--case", case,
                        "--modes", "eager,optimized", "--threads", str(self.args.threads),
                        "--min-time", str(self.args.min_time),
                        "--warmup-time", str(self.args.warmup_time)])
        results = {}
        for line in out.splitlines():
            r = json.loads(line)
            results[r["peer"]] = dict(time_s=r["mean_s"], median_iteration_s=r["median_s"],
                                      iterations=r["iterations"], setup_s=r["setup_s"],
                                      times_s=r["times_s"])
        return results

    def peers_for(self, case):
        """The bursts of one round, in order."""
        wanted = self.args.peers.split(",")
        bursts = []
        if "cnnc" in wanted:
            bursts.append(("cnnc", self.cnnc, ["cnnc", "cnnc-kernels"] if
                           case.startswith("layer/") else ["cnnc"]))
        if "torch" in wanted:
            bursts.append(("torch", self.torch, ["torch-eager", "torch-optimized"]))
        if "onednn" in wanted and case.startswith("layer/"):
            bursts.append(("onednn", self.onednn, ["onednn", "onednn+reorders"]))
        return bursts


def flops_of(case, cnnc_cli):
    """FLOPs of one run: the convolution's 2·N·K·(C/groups)·R·S·OH·OW for a
    layer, 2 × `cnnc inspect`'s MACs for a model."""
    if "conv" in case:
        c = case["conv"]
        oh = (c["H"] + 2 * c.get("pad", 0) - c["R"]) // c.get("stride", 1) + 1
        ow = (c["W"] + 2 * c.get("pad", 0) - c["S"]) // c.get("stride", 1) + 1
        return 2 * case["batch"] * c["K"] * (c["C"] // c.get("groups", 1)) * c["R"] * c["S"] * oh * ow
    out = command_output([cnnc_cli, "inspect", "--json", "--batch", str(case["batch"]), case["model"]])
    return 2 * json.loads(out)["total_macs"] if out else None


def summarize(rounds):
    """Median over the rounds that succeeded, and the errors of the others."""
    times = [r["time_s"] for r in rounds if "time_s" in r]
    errors = sorted({r["error"] for r in rounds if "error" in r})
    return dict(median_s=statistics.median(times) if times else None,
                min_s=min(times) if times else None, max_s=max(times) if times else None,
                ok_rounds=len(times), errors=errors, rounds=rounds)


def bench_case(runner, case, args):
    bursts = runner.peers_for(case["name"])
    rounds = {}
    for r in range(args.rounds):
        for name, fn, peers in bursts:
            log("  round %d/%d: %s" % (r + 1, args.rounds, name))
            try:
                results = fn(case["name"])
            except (RuntimeError, ValueError, OSError) as e:
                results = {p: dict(error=str(e)) for p in peers}
            for p in peers:
                rounds.setdefault(p, []).append(results.get(p, dict(error="no result")))
    peers = {p: summarize(rs) for p, rs in rounds.items()}
    cnnc = peers.get("cnnc", {}).get("median_s")
    # oneDNN's primitive (data already in its blocked layout) against
    # cnnc's kernels alone (the same); everything else against whole runs.
    kernels = peers.get("cnnc-kernels", {}).get("median_s") or cnnc
    speedup = {p: s["median_s"] / (kernels if p == "onednn" else cnnc)
               for p, s in peers.items()
               if not p.startswith("cnnc") and cnnc and s["median_s"]}
    return dict(batch=case["batch"], peers=peers, speedup=speedup)


def time_process(runner, cmd):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=runner.env)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        tail = " | ".join((p.stderr or p.stdout).strip().splitlines()[-3:])
        if "not expected" in tail and "--cache-dir" in tail:
            tail = "`cnnc run` has no --cache-dir option yet: " + tail
        return dict(error="exit %d: %s" % (p.returncode, tail))
    return dict(time_s=wall)


def bench_compile(runner, args, workdir):
    """Wall time of `cnnc run` on ResNet-50 (load the model and its weights
    file, compile, one inference) with an empty kernel cache (cold) and again
    with the cache the cold run filled (warm). The weights are written once
    by `cnnc init` beforehand, as a user's trained weights would be."""
    import numpy  # only this case needs it
    x = os.path.join(workdir, "x.npy")
    numpy.save(x, numpy.random.default_rng(1).uniform(-1, 1, (1, 3, 224, 224)).astype(numpy.float32))
    weights = os.path.join(workdir, "resnet50.safetensors")
    subprocess.run([args.cnnc, "init", COMPILE_MODEL, "--init", "he", "--seed", "1", "-o", weights],
                   check=True, stdout=subprocess.DEVNULL)
    rounds = {"cold": [], "warm": []}
    for r in range(args.rounds):
        cache = os.path.join(workdir, "cache%d" % r)
        os.mkdir(cache)
        cmd = [args.cnnc, "run", COMPILE_MODEL, "--weights", weights,
               "--backend", args.backend, "--threads", str(args.threads), "--cache-dir", cache,
               "--input", x, "--top", "1"]
        for kind in ("cold", "warm"):
            log("  round %d/%d: %s" % (r + 1, args.rounds, kind))
            rounds[kind].append(time_process(runner, cmd))
        shutil.rmtree(cache, ignore_errors=True)
    return dict(batch=1, command=" ".join(cmd[:1] + ["run", "resnet50.cnn"] + cmd[3:]),
                peers={k: summarize(v) for k, v in rounds.items()}, speedup={})


def verify_torch(runner, args, names):
    """Every torch module must have its .cnn model's parameter count and
    output shape, or the ratios compare different networks."""
    cmd = [args.python, args.torch_bench, "--verify", "--cnnc", args.cnnc]
    for n in names:
        cmd += ["--case", n]
    p = subprocess.run(cmd, capture_output=True, text=True, env=runner.env)
    checks = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    bad = [c for c in checks if not c["verify"]]
    if p.returncode != 0 or bad or len(checks) != len(names):
        for c in bad:
            log("MISMATCH %s: torch %d params, output %s; cnnc %d params, output %s" % (
                c["case"], c["torch_params"], c["torch_output"], c["cnnc_params"], c["cnnc_output"]))
        if p.returncode != 0 and not bad:
            log(p.stderr.strip())
        sys.exit("run.py: the PyTorch models do not match the .cnn models (see above)")
    return checks


def fmt_ms(s):
    return "%.3f" % (s * 1e3) if s is not None else "—"


def fmt_x(x):
    return "%.2f×" % x if x is not None else "—"


TABLE_PEERS = [("torch-eager", "PyTorch eager"), ("torch-optimized", "PyTorch optimized"),
               ("onednn", "oneDNN conv"), ("onednn+reorders", "oneDNN + NCHW reorders")]


def rows(results):
    header = ["case", "batch", "cnnc ms", "cnnc kernel ms", "cnnc GFLOP/s", "cnnc images/s"]
    for _, title in TABLE_PEERS:
        header += [title + " ms", "speedup"]
    table = []
    for name, r in results["cases"].items():
        if name == COMPILE_CASE:
            continue
        cnnc = r["peers"].get("cnnc", {}).get("median_s")
        flops = r.get("flops")
        row = [name, str(r["batch"]), fmt_ms(cnnc),
               fmt_ms(r["peers"].get("cnnc-kernels", {}).get("median_s")),
               "%.1f" % (flops / cnnc / 1e9) if cnnc and flops else "—",
               "%.1f" % (r["batch"] / cnnc) if cnnc else "—"]
        for peer, _ in TABLE_PEERS:
            s = r["peers"].get(peer)
            row += [fmt_ms(s["median_s"]) if s else "—", fmt_x(r["speedup"].get(peer))]
        table.append(row)
    return header, table


def print_table(results, markdown):
    header, table = rows(results)
    if not table:
        pass
    elif markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join("---" if i == 0 else "--:" for i in range(len(header))) + "|")
        for row in table:
            print("| " + " | ".join(row) + " |")
    else:
        widths = [max(len(h), *(len(row[i]) for row in table)) if table else len(h)
                  for i, h in enumerate(header)]
        print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
        for row in table:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths)))
    errors = [(name, peer, e) for name, r in results["cases"].items()
              for peer, s in r["peers"].items() for e in s["errors"]]
    comp = results["cases"].get(COMPILE_CASE)
    if comp:
        cold, warm = comp["peers"]["cold"]["median_s"], comp["peers"]["warm"]["median_s"]
        line = "ResNet-50 time to first inference (`cnnc run`, %s): cold %s s, warm %s s" % (
            results["settings"]["backend"], "%.2f" % cold if cold else "—",
            "%.2f" % warm if warm else "—")
        print("\n" + line if not markdown else "\n" + line + "\n")
    if errors:
        print("\nerrors:")
        for name, peer, e in errors:
            print("  %s %s: %s" % (name, peer, e))
    m = results["machine"]
    print("\n%s, %d CPUs, %d threads per peer, %d rounds, median; speedup = peer time / cnnc time; "
          "load average %.2f at start, %.2f at end; %s" % (
              m["cpu"], m["nproc"], results["settings"]["threads"], results["settings"]["rounds"],
              m["loadavg_start"][0], m["loadavg_end"][0], m["date"]))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default=os.path.join(ROOT, "build"),
                   help="the CMake build folder the binaries are taken from")
    p.add_argument("--cnnc-bench", help="default BUILD/bench/cnnc_bench")
    p.add_argument("--onednn-bench", help="default BUILD/bench/onednn_bench")
    p.add_argument("--cnnc", help="the cnnc command, default BUILD/cnnc")
    p.add_argument("--torch-bench", default=os.path.join(HERE, "torch_bench.py"))
    p.add_argument("--python", default="/usr/bin/python3", help="the Python that sees Debian's torch")
    p.add_argument("--cases-file", default=os.path.join(HERE, "cases.json"))
    p.add_argument("--cases", default="all", help="layers, models, compile, all, or names separated by commas")
    p.add_argument("--peers", default="cnnc,torch,onednn")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--min-time", type=float, default=0.5, help="seconds of timed runs per burst")
    p.add_argument("--warmup-time", type=float, default=0.2, help="seconds of untimed runs per burst")
    p.add_argument("--backend", default="halide", help="cnnc's backend")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--cache-dir", help="cnnc_bench's compiled-kernel cache, kept across rounds "
                   "(compiling is never timed; the cache only saves time); default BUILD/bench/kernel-cache")
    p.add_argument("--out", help="write every figure and the machine's description here (JSON)")
    p.add_argument("--markdown", action="store_true", help="print the table in Markdown")
    p.add_argument("--from", dest="from_json", metavar="FILE",
                   help="measure nothing: print the table of a results file --out wrote")
    p.add_argument("--no-verify", action="store_true", help="skip checking the torch models against cnnc's")
    args = p.parse_args()
    if args.from_json:
        with open(args.from_json) as f:
            print_table(json.load(f), args.markdown)
        return 0
    args.cnnc_bench = args.cnnc_bench or os.path.join(args.build, "bench", "cnnc_bench")
    args.onednn_bench = args.onednn_bench or os.path.join(args.build, "bench", "onednn_bench")
    args.cnnc = args.cnnc or os.path.join(args.build, "cnnc")
    args.cache_dir = args.cache_dir or os.path.join(args.build, "bench", "kernel-cache")
    os.makedirs(args.cache_dir, exist_ok=True)
    if args.rounds < 1:
        sys.exit("run.py: --rounds must be at least 1")

    cases = read_cases(args.cases_file)
    names = select(args.cases, cases)
    peers = args.peers.split(",")
    needed = [("cnnc", args.cnnc_bench), ("onednn", args.onednn_bench), ("torch", args.python)]
    for peer, path in needed:
        if peer in peers and not os.access(path, os.X_OK):
            sys.exit("run.py: %s not found (%s); `make bench` builds it" % (peer, path))
    if not os.access(args.cnnc, os.X_OK):
        sys.exit("run.py: the cnnc command not found (%s)" % args.cnnc)

    runner = Runner(args)
    machine = machine_info()
    if machine["loadavg_start"][0] > 0.5:
        log("warning: load average %.2f: other work shares the CPUs, and with 2 threads per peer "
            "the figures will be noisy (OpenMP waits on descheduled threads)" % machine["loadavg_start"][0])
    results = dict(machine=machine, settings=dict(
        backend=args.backend, threads=args.threads, rounds=args.rounds, cache_dir=args.cache_dir, min_time_s=args.min_time,
        warmup_time_s=args.warmup_time, peers=peers,
        measure="per round: mean time per run over a burst of at least min_time seconds after "
                "warm-up; per peer: median over rounds; speedup = peer time / cnnc time"),
        cases={})
    timed = [n for n in names if n != COMPILE_CASE]
    if "torch" in peers and timed and not args.no_verify:
        log("checking the PyTorch models against the .cnn models")
        results["verified"] = verify_torch(runner, args, timed)

    for name in timed:
        log("%s" % name)
        r = bench_case(runner, cases[name], args)
        r["flops"] = flops_of(cases[name], args.cnnc)
        results["cases"][name] = r
    if COMPILE_CASE in names:
        log(COMPILE_CASE)
        with tempfile.TemporaryDirectory(prefix="cnnc-bench-") as workdir:
            results["cases"][COMPILE_CASE] = bench_compile(runner, args, workdir)
    machine["loadavg_end"] = list(os.getloadavg())
    results["contexts"] = runner.contexts

    print_table(results, args.markdown)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)
        log("wrote %s" % args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
