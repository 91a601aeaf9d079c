#!/usr/bin/env python3
"""The benchmark kit's reference job: this tool against the python-polars peer, side by side.

    bench/kit.py 100k 1m --runs 3          # alternate tool and peer runs, print medians and ratios
    bench/kit.py 1m --check                # also compare verdicts and rejects (kit_compare.py)
    bench/kit.py 100k --modes lean,tables  # which tool variants to time (default: lean,tables)

The kit is vendored in bench/kit/ (unchanged; its README.md §2 is the job's specification, and
PROVENANCE.md says where it came from); the project's tests never use it. This script

1. generates the kit's export once per size into bench/cache/kit-<size>/ (gen_export.py, seed 42,
   UTF-8 with BOM), with the kit's Python environment (/tmp/peers, or $KIT_PYTHON; created with
   `python3 -m venv /tmp/peers && /tmp/peers/bin/pip install polars pyarrow numpy`);
2. runs, --runs times and alternating, the peer (`peer_polars.py EXPORT --as-of 2026-11-01`) and
   the tool on the project in bench/reference/ (`complaints run --config
   bench/reference/complaints.toml --input EXPORT/投诉记录.csv`) in each mode:
   - `lean`: `--no-record-tables` (rejects, findings, the reports and the workbook; the verdicts
     are aggregated but not written one per row);
   - `tables`: with the record tables (complaints.csv, sla.csv: one row per verdict, like the
     peer's verdicts.parquet);
3. prints per size the median wall time (min–max), peak RSS, the ratio to the peer, and the
   tool's stage times (from timings.json, else the manifest), and writes every number to
   bench/results/kit-<UTC timestamp>.json;
4. with --check, compares the last `tables` run with the last peer run (bench/kit_compare.py).

Every run is a whole process under /usr/bin/time, start-up and output writing included, as
the kit's bench.sh measures its peers.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
import run as harness  # noqa: E402  (the main harness: machine info, background load)

KIT = BENCH / "kit"
# The folder holding cn_holidays_2007_2026.csv, which the generator and the peers read.
DATA = REPO / "rules" / "calendars"
PROJECT = BENCH / "reference"
SIZES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
SEED = 42
AS_OF_PEER = "2026-11-01"
AS_OF_TOOL = "2026-11-01T00:00:00+08:00"
MODES = {"lean": ["--no-record-tables"], "tables": []}


def log(msg: str = "") -> None:
    print(msg, file=sys.stderr, flush=True)


def python() -> str:
    p = os.environ.get("KIT_PYTHON") or "/tmp/peers/bin/python"
    if not Path(p).exists():
        raise SystemExit(f"no kit python at {p}: create it with `python3 -m venv /tmp/peers && "
                         "/tmp/peers/bin/pip install polars pyarrow numpy` or set KIT_PYTHON")
    return p


def kit_copy() -> Path:
    """The kit's scripts, where gen_export.py finds its holiday table.

    gen_export.py looks for the holiday table in `shared/data` beside the kit's folder and the
    peers in `data` there; a copy in a temp folder with both links to the project's vendored table serves
    both without editing the kit.
    """
    root = Path(tempfile.mkdtemp(prefix="complaints-kit-"))
    shutil.copytree(KIT, root / "bench")
    (root / "shared").mkdir()
    os.symlink(DATA.resolve(), root / "shared" / "data")
    os.symlink(DATA.resolve(), root / "data")
    return root / "bench"


def ensure_export(kit: Path, size: str) -> Path:
    out = BENCH / "cache" / f"kit-{size}"
    stamp = out / ".kit-stamp.json"
    want = {"rows": SIZES[size], "seed": SEED, "generator": harness.sha256_file(kit / "gen_export.py")}
    if (out / "投诉记录.csv").exists() and stamp.exists() and json.loads(stamp.read_text()) == want:
        return out
    log(f"generating the kit export, {size} rows, into {out}")
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([python(), "gen_export.py", "--rows", str(SIZES[size]), "--seed", str(SEED),
                    "--out", str(out)], cwd=kit, check=True)
    stamp.write_text(json.dumps(want))
    return out


def timed(cmd: list[str], cwd: Path) -> dict:
    with tempfile.NamedTemporaryFile(prefix="kit-time-", delete=False) as tf:
        time_file = tf.name
    busy0 = harness.machine_busy_s()
    cpu0 = harness.children_cpu_s()
    t0 = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-f", "%e %M %U %S", "-o", time_file, *cmd], cwd=cwd,
                       capture_output=True, text=True, errors="replace")
    elapsed = time.monotonic() - t0
    cpu = harness.children_cpu_s() - cpu0
    busy1 = harness.machine_busy_s()
    text = Path(time_file).read_text()
    os.unlink(time_file)
    if p.returncode != 0:
        raise SystemExit(f"failed (exit {p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    wall, rss, user, sys_ = text.strip().splitlines()[-1].split()
    bg = (max(0.0, (busy1 - busy0) - cpu) / elapsed) if busy0 is not None and busy1 is not None else None
    return {"wall_s": float(wall), "rss_mib": int(rss) / 1024, "cpu_s": float(user) + float(sys_),
            "background_cores": round(bg, 2) if bg is not None else None}


def stage_times(out: Path) -> dict:
    for name, key in (("timings.json", "stages_ms"), ("manifest.json", "timings_ms")):
        p = out / name
        if p.exists():
            data = json.loads(p.read_text())
            t = data.get(key) or data.get("timings_ms") or {}
            if t:
                return t
    return {}


def summary(runs: list[dict]) -> dict:
    walls = [r["wall_s"] for r in runs]
    return {"median_s": statistics.median(walls), "min_s": min(walls), "max_s": max(walls),
            "rss_mib": max(r["rss_mib"] for r in runs),
            "cpu_s": statistics.median(r["cpu_s"] for r in runs)}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sizes", nargs="*", default=["100k", "1m"], choices=list(SIZES))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--modes", default="lean,tables")
    ap.add_argument("--check", action="store_true", help="compare verdicts and rejects with the peer")
    ap.add_argument("--binary", default=str(REPO / "target" / "release" / "complaints"))
    ap.add_argument("--tmp", default="/tmp")
    args = ap.parse_args(argv[1:])
    modes = [m for m in args.modes.split(",") if m]
    for m in modes:
        if m not in MODES:
            raise SystemExit(f"unknown mode {m} (lean, tables)")
    if args.check and "tables" not in modes:
        modes.append("tables")
    session = Path(tempfile.mkdtemp(prefix="kit-session-", dir=args.tmp))
    binary = session / "complaints"
    shutil.copy2(args.binary, binary)  # pinned: a rebuild during the session changes nothing
    kit = kit_copy()
    results = {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "git": harness.git_info(), "machine": harness.machine_info(),
               "binary_sha256": harness.sha256_file(binary), "runs": args.runs, "sizes": {}}
    bg = harness.background_cores()
    if bg is not None and bg > harness.BUSY_WARN:
        log(f"warning: other processes keep {bg:.2f} cores busy; timings will not be comparable")
    for size in args.sizes:
        export = ensure_export(kit, size)
        runs: dict[str, list[dict]] = {"polars": [], **{m: [] for m in modes}}
        last_out: dict[str, Path] = {}
        for i in range(args.runs):
            # Alternate: peer, then each tool mode, so drift in the machine hits all alike.
            out = session / f"peer-{size}"
            shutil.rmtree(out, ignore_errors=True)
            r = timed([python(), "peer_polars.py", str(export), "--as-of", AS_OF_PEER, "--out", str(out)], kit)
            runs["polars"].append(r)
            last_out["polars"] = out
            log(f"{size} run {i + 1}: polars {r['wall_s']:.2f} s, {r['rss_mib']:.0f} MiB")
            for m in modes:
                out = session / f"tool-{m}-{size}"
                shutil.rmtree(out, ignore_errors=True)
                cmd = [str(binary), "run", "--config", str(PROJECT / "complaints.toml"), "--input",
                       str(export / "投诉记录.csv"), "--out", str(out), "--as-of", AS_OF_TOOL, "-q",
                       *MODES[m]]
                r = timed(cmd, REPO)
                r["stages_ms"] = stage_times(out)
                runs[m].append(r)
                last_out[m] = out
                log(f"{size} run {i + 1}: tool {m} {r['wall_s']:.2f} s, {r['rss_mib']:.0f} MiB")
                if m != "tables" or i + 1 < args.runs:
                    shutil.rmtree(out, ignore_errors=True)
        sums = {k: summary(v) for k, v in runs.items()}
        results["sizes"][size] = {"runs": runs, "summary": sums}
        peer = sums["polars"]["median_s"]
        print(f"\n{size}: median of {args.runs} (alternating), whole process")
        print(f"  {'':8} {'wall s':>8} {'min–max':>13} {'ratio':>7} {'RSS MiB':>8} {'cpu s':>7}")
        for k, s in sums.items():
            print(f"  {k:8} {s['median_s']:8.2f} {s['min_s']:6.2f}–{s['max_s']:<6.2f} "
                  f"{s['median_s'] / peer:6.2f}× {s['rss_mib']:8.0f} {s['cpu_s']:7.2f}")
        for m in modes:
            keys = sorted({k for r in runs[m] for k in r["stages_ms"]},
                          key=lambda k: list(runs[m][0]["stages_ms"]).index(k)
                          if k in runs[m][0]["stages_ms"] else 99)
            med = {k: statistics.median(r["stages_ms"].get(k, 0) for r in runs[m]) for k in keys}
            print(f"  {m} stages (median ms): " + ", ".join(f"{k} {v:.0f}" for k, v in med.items()))
            if "classify" in med and med["classify"] > 0:
                rate = SIZES[size] / (med["classify"] / 1000) / 1e6
                print(f"  {m} classify: {rate:.2f} M rows/s")
        if args.check:
            p = subprocess.run([python(), str(BENCH / "kit_compare.py"), str(export),
                                str(last_out["tables"]), str(last_out["polars"])],
                               capture_output=True, text=True)
            print(p.stdout.rstrip())
            if p.returncode < 0:
                print(f"the comparison was killed by signal {-p.returncode} (out of memory?)")
            results["sizes"][size]["check"] = {"exit": p.returncode, "output": p.stdout}
        shutil.rmtree(last_out.get("tables", session / "none"), ignore_errors=True)
        shutil.rmtree(last_out["polars"], ignore_errors=True)
    out = BENCH / "results" / f"kit-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    log(f"\nresults: {out.relative_to(REPO)}")
    shutil.rmtree(session, ignore_errors=True)
    shutil.rmtree(kit.parent, ignore_errors=True)
    bad = [s for s, r in results["sizes"].items() if r.get("check", {}).get("exit", 0) != 0]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
