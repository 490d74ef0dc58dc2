#!/usr/bin/python3
"""Peer comparison: infermark's CPU backend against PyTorch eager on the same CPU, the same
weights and the same inputs (issue 3). A benchmark, not a test; run it through
scripts/compare-peers.sh, which installs PyTorch and sets the threading environment.

Per workload: write a Hugging Face checkpoint (cached), then `rounds` times, alternating: run the
benchmark with `infermark run --weights` (its median from the result file), then time the same
workload in PyTorch eager. The first infermark run saves its inputs, KV cache and output
(`--save-tensors`); PyTorch's output must agree with it (NMSE within the correctness tolerance of
the precision) or the comparison fails. Prints a table; exit 0 when everything agreed, 1 when an
output disagreed or a benchmark failed, 2 on bad arguments, 4 when infermark or PyTorch is missing.
"""

import argparse
import importlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import checkpoint  # noqa: E402

# Bump when the checkpoint writer's output changes, so cached files are not reused.
CHECKPOINT_VERSION = 1
# harness/correctness.cpp: nmse_tolerance.
TOLERANCE = {"f32": 1e-8, "bf16": 1e-3}
# The standard suite's measurement settings; PyTorch is timed under the same ones.
SETTINGS = {"warmup_s": 0.2, "min_time_s": 1.0, "max_time_s": 10, "min_iterations": 10,
            "target_ci": 0.01, "seed": 42}
QUICK = {"warmup_s": 0.05, "min_time_s": 0.1, "max_time_s": 0.5, "min_iterations": 5,
         "target_ci": 0.05, "seed": 42}

# The peer's workloads: the standard suite's models and phases (decode at the context).
WORKLOADS = [
    {"model": "bert-base", "phase": "encode", "batch": 1, "seq": 128, "precision": ["f32", "bf16"], "layers": 1},
    {"model": "bert-large", "phase": "encode", "batch": 1, "seq": 384, "precision": ["f32", "bf16"], "layers": 1},
    {"model": "gpt2", "phase": "prefill", "batch": 1, "seq": 128, "precision": ["f32", "bf16"]},
    {"model": "gpt2", "phase": "decode", "batch": 1, "seq": 1, "context": 512, "precision": ["f32", "bf16"]},
    {"model": "llama-1.1b", "phase": "prefill", "batch": 1, "seq": 512, "precision": ["f32", "bf16"], "layers": 1},
    {"model": "llama-1.1b", "phase": "decode", "batch": 1, "seq": 1, "context": 512, "precision": ["f32", "bf16"], "layers": 1},
]
# Issue 3's targets: BERT-base encode b1 s128 one layer (f32, bf16); Llama-1.1B decode b1 c512 one layer.
# Issue 3's speed targets against PyTorch eager (PyTorch / infermark ≥ this), on an idle machine.
TARGETS = {"bert-base/encode/b1/s128/f32/l1": 3.0, "bert-base/encode/b1/s128/bf16/l1": 1.5}
DEFAULT_FILTER = r"^(bert-base/encode/b1/s128/(f32|bf16)/l1|llama-1\.1b/decode/b1/s1/c512/(f32|bf16)/l1)$"


class Failure(Exception):
    """An environment problem (exit 4): infermark missing, a run that could not start."""


def expand(suite_workloads, models):
    """Suite entries → one dict per workload with its infermark id (suites/workload.cpp's id)."""
    out = []
    for w in suite_workloads:
        precisions = w["precision"] if isinstance(w["precision"], list) else [w["precision"]]
        for p in precisions:
            m = models[w["model"]]
            s = dict(model=w["model"], phase=w["phase"], batch=w["batch"], seq=w["seq"],
                     context=w.get("context", 0), precision=p, layers=w.get("layers", m["layers"]))
            wid = f"{s['model']}/{s['phase']}/b{s['batch']}/s{s['seq']}"
            if s["phase"] == "decode":
                wid += f"/c{s['context']}"
            s["id"] = wid + f"/{p}/l{s['layers']}"
            out.append(s)
    return out


def safe(name):
    return re.sub(r"[/@:]", "_", name)


def run_infermark(args, suite_path, wl, ckpt, out_json, tensors_dir, settings):
    """One `infermark run` of one workload; returns its benchmark record from the result file."""
    cmd = [args.infermark, "run", "--suite", suite_path, "--filter", "^" + re.escape(wl["id"]) + "$",
           "--backend", args.backend, "--weights", ckpt, "--seed", str(settings["seed"]),
           "--out", out_json, "--no-ceilings", "--quiet"]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    if tensors_dir:
        cmd += ["--save-tensors", tensors_dir]
    if args.quick:
        cmd.append("--quick")
    if args.cache_dir:
        cmd += ["--cache-dir", args.cache_dir]
    if os.path.exists(out_json):
        os.remove(out_json)
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode not in (0, 1) or not os.path.exists(out_json):
        raise Failure(f"infermark run exited {r.returncode} for {wl['id']}:\n  {' '.join(cmd)}\n"
                      f"{r.stdout}{r.stderr}")
    with open(out_json) as f:
        doc = json.load(f)
    bench = [b for b in doc["benchmarks"] if b["workload"]["id"] == wl["id"]]
    if len(bench) != 1:
        raise Failure(f"{out_json}: expected one benchmark {wl['id']}, found {len(bench)}")
    return bench[0]


def median_of(bench):
    for s in bench.get("summaries", []):
        if s["tag"] == "latency/host/median":
            return s["value"]
    return None


def check_model(wl, bench, m):
    """The model infermark ran must be the one the checkpoint and PyTorch were built for."""
    theirs = dict(bench["workload"]["model"])
    theirs.pop("name", None)
    if theirs != m:
        diff = {k: (m.get(k), theirs.get(k)) for k in set(m) | set(theirs) if m.get(k) != theirs.get(k)}
        raise Failure(f"{wl['id']}: infermark's {wl['model']} differs from the peer's copy of it "
                      f"(peer, infermark): {diff}; update bench/peers/checkpoint.py")


def time_torch(fn, settings):
    """PyTorch under the suite's settings: warm-up for warmup_s (at least 3 runs), then timed runs
    until min_time_s and min_iterations, at most max_time_s. Returns the sorted samples (s)."""
    import gc
    gc.disable()
    try:
        t0, n = time.perf_counter(), 0
        while n < 3 or time.perf_counter() - t0 < settings["warmup_s"]:
            fn()
            n += 1
        samples, start = [], time.perf_counter()
        while True:
            t = time.perf_counter_ns()
            fn()
            samples.append((time.perf_counter_ns() - t) * 1e-9)
            spent = time.perf_counter() - start
            if spent >= settings["max_time_s"]:
                break
            if spent >= settings["min_time_s"] and len(samples) >= settings["min_iterations"]:
                break
    finally:
        gc.enable()
    return sorted(samples)


def load_tensors(tensors_dir, wl, backend):
    """The folder infermark's --save-tensors wrote for this benchmark."""
    found = [d for d in os.listdir(tensors_dir) if d.startswith(safe(wl["id"]) + "_" + backend)]
    if len(found) != 1:
        raise Failure(f"{tensors_dir}: expected one saved-tensors folder for {wl['id']}, found {found}")
    d = os.path.join(tensors_dir, found[0])
    t = {f[:-4]: np.load(os.path.join(d, f)) for f in os.listdir(d) if f.endswith(".npy")}
    state = {k: v for k, v in t.items() if ".cache." in k}
    return t["token_ids"], t["position_ids"], t["output"], state


def build_torch(wl, m, ckpt, tensors_dir, backend):
    import torch_workloads as tw
    ids, pos, ref, state = load_tensors(tensors_dir, wl, backend)
    weights = checkpoint.load_canonical(ckpt, m, wl["layers"])
    work = tw.Workload(m, wl, weights, ids, pos, state)
    return work, ref


def agreement(work, ref):
    import torch
    import torch_workloads as tw
    with torch.inference_mode():
        out = work.forward().float().numpy()
    return tw.nmse(out, ref)


def ensure_checkpoint(workdir, name, m, layers, seed):
    path = os.path.join(workdir, f"{name}-l{layers}-seed{seed}-v{CHECKPOINT_VERSION}.safetensors")
    if not os.path.exists(path):
        tmp = path + ".tmp"
        checkpoint.write_checkpoint(tmp, m, layers, seed)
        os.replace(tmp, path)
    return path


def compare(args, suite_workloads, models, settings):
    """Runs the comparison of every selected workload; returns the rows of the table."""
    import torch
    torch.set_num_threads(args.threads)
    os.makedirs(args.workdir, exist_ok=True)
    suite = {"name": "peers", "version": 1, "settings": settings, "workloads": suite_workloads}
    inline = {k: v for k, v in models.items() if k not in checkpoint.BUILTIN_MODELS}
    if inline:
        suite["models"] = inline
    suite_path = os.path.join(args.workdir, "peers-suite.json")
    with open(suite_path, "w") as f:
        json.dump(suite, f, indent=1)

    selected = [w for w in expand(suite_workloads, models) if re.search(args.filter, w["id"])]
    if not selected:
        raise SystemExit(f"pytorch_cpu: --filter {args.filter!r} matches none of: "
                         + ", ".join(w["id"] for w in expand(suite_workloads, models)))
    rows = []
    for wl in selected:
        m = models[wl["model"]]
        tol = TOLERANCE[wl["precision"]]
        row = dict(id=wl["id"], tolerance=tol, infermark=[], pytorch=[], nmse=None, state=None,
                   problem=None, load=[])
        rows.append(row)
        log(args, f"{wl['id']}: checkpoint")
        ckpt = ensure_checkpoint(args.workdir, wl["model"], m, wl["layers"], settings["seed"])
        tensors_dir = os.path.join(args.workdir, "tensors", safe(wl["id"]))
        shutil.rmtree(tensors_dir, ignore_errors=True)
        work = None
        for r in range(args.rounds):
            row["load"].append(os.getloadavg()[0])
            log(args, f"{wl['id']}: round {r + 1}: infermark")
            out_json = os.path.join(args.workdir, f"{safe(wl['id'])}.r{r + 1}.json")
            bench = run_infermark(args, suite_path, wl, ckpt, out_json, tensors_dir if r == 0 else None,
                                  settings)
            check_model(wl, bench, m)
            row["state"] = bench["state"]
            if bench["state"] not in ("passed", "mistrusted"):
                row["problem"] = f"infermark: {bench['state']}: {bench.get('reason', '')}"
                break
            row["infermark"].append(median_of(bench))
            if work is None:
                try:
                    work, ref = build_torch(wl, m, ckpt, tensors_dir, bench["backend"])
                except (ValueError, KeyError) as e:
                    row["problem"] = f"PyTorch could not be set up from infermark's saved tensors: {e}"
                    break
                row["nmse"] = agreement(work, ref)
                if not row["nmse"] <= tol:
                    row["problem"] = (f"PyTorch's output disagrees with infermark's: NMSE {row['nmse']:.3g} "
                                      f"> tolerance {tol:g}")
                    break
            log(args, f"{wl['id']}: round {r + 1}: pytorch")
            with torch.inference_mode():
                samples = time_torch(work.forward, settings)
            row["pytorch"].append(statistics.median(samples))
        del work
    return rows


def fmt_rounds(values):
    """The median of the round medians, with their range when there are several rounds."""
    if not values:
        return "—"
    med = f"{statistics.median(values) * 1e3:.2f} ms"
    if len(values) == 1:
        return med
    return f"{med} [{min(values) * 1e3:.2f}–{max(values) * 1e3:.2f}]"


def print_table(rows, args, header):
    print(header)
    cols = ["workload", "infermark median", "PyTorch median", "PyTorch / infermark", "NMSE (tolerance)",
            "infermark state", "load", "target"]
    table = []
    for r in rows:
        im = statistics.median(r["infermark"]) if r["infermark"] else None
        pt = statistics.median(r["pytorch"]) if r["pytorch"] else None
        ratio = f"{pt / im:.2f}×" if im and pt else "—"
        nm = "—" if r["nmse"] is None else f"{r['nmse']:.2g} ({r['tolerance']:g})"
        load = "—" if not r["load"] else f"{min(r['load']):.1f}–{max(r['load']):.1f}"
        target = "—"
        if r["id"] in TARGETS and im and pt:
            target = f"≥ {TARGETS[r['id']]:g}×: " + ("met" if pt / im >= TARGETS[r["id"]] else "missed")
        table.append([r["id"], fmt_rounds(r["infermark"]), fmt_rounds(r["pytorch"]), ratio, nm, r["state"] or "—",
                      load, target])
    widths = [max(len(c), *(len(t[i]) for t in table)) for i, c in enumerate(cols)]
    line = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(cols))
    for t in table:
        print(line(t))
    print(f"(medians of {args.rounds} alternating rounds [range of the round medians]; each round's median "
          f"from infermark's result file and from PyTorch timed under the same settings; load: 1-min load "
          f"average at each round)")
    cpus = os.cpu_count() or 1
    busiest = max((x for r in rows for x in r["load"]), default=0)
    if busiest >= cpus:
        print(f"NOTE: the load average reached {busiest:.1f} on {cpus} CPUs: other work shared the CPUs, so these "
              f"medians are not those of an idle machine and do not judge the targets.")
    for r in rows:
        if r["problem"]:
            print(f"FAIL {r['id']}: {r['problem']}", file=sys.stderr)


def log(args, msg):
    if args.verbose:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def environment_line(args):
    import torch
    return (f"threads {args.threads} (torch.set_num_threads, infermark --threads); PyTorch {torch.__version__}; "
            f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}; "
            f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}; "
            f"backend {args.backend}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--infermark", help="the infermark executable")
    ap.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)),
                    help="threads for both sides (default: the CPUs this process may use)")
    ap.add_argument("--filter", default=DEFAULT_FILTER, help="workload ids to compare (regex; default: issue 3's targets)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    ap.add_argument("--backend", default="onednn", help="infermark backend (default onednn)")
    ap.add_argument("--workdir", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), f"infermark-peers-{os.getuid()}"),
                    help="checkpoints, saved tensors and result files")
    ap.add_argument("--cache-dir", help="infermark's reference cache (default its own)")
    ap.add_argument("--quick", action="store_true", help="short settings on both sides: a look, not numbers")
    ap.add_argument("--json", help="also write the rows as JSON here")
    ap.add_argument("--list", action="store_true", help="list the workload ids and exit")
    ap.add_argument("--self-check", action="store_true",
                    help="check the safetensors writer and, with --infermark, the whole path on tiny models")
    ap.add_argument("-v", "--verbose", action="store_true", help="log each step to stderr")
    args = ap.parse_args(argv)
    if args.threads < 1 or args.rounds < 1:
        ap.error("--threads and --rounds must be positive")
    try:
        re.compile(args.filter)
    except re.error as e:
        ap.error(f"--filter: {e}")

    if args.list:
        for w in expand(WORKLOADS, checkpoint.BUILTIN_MODELS):
            print(("* " if re.search(DEFAULT_FILTER, w["id"]) else "  ") + w["id"])
        return 0
    if args.self_check:
        import self_check
        return self_check.main(args, sys.modules[__name__])
    if not args.infermark or not os.access(args.infermark, os.X_OK):
        print(f"pytorch_cpu: infermark executable not found ({args.infermark!r}); build it or pass --infermark",
              file=sys.stderr)
        return 4
    try:
        importlib.import_module("torch")
    except ImportError as e:
        print(f"pytorch_cpu: PyTorch is not importable ({e}); scripts/compare-peers.sh installs Debian's "
              "python3-torch and runs this with /usr/bin/python3", file=sys.stderr)
        return 4

    settings = QUICK if args.quick else SETTINGS
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    header = f"peer comparison, {started}: {environment_line(args)}"
    try:
        rows = compare(args, WORKLOADS, checkpoint.BUILTIN_MODELS, settings)
    except Failure as e:
        print(f"pytorch_cpu: {e}", file=sys.stderr)
        return 4
    print_table(rows, args, header)
    print(f"finished {time.strftime('%H:%M:%S')}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"started": started, "environment": environment_line(args), "rows": rows}, f, indent=1)
    bad = [r for r in rows if r["problem"]]
    if bad:
        print(f"pytorch_cpu: {len(bad)} of {len(rows)} comparisons failed (see FAIL lines above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
