#!/usr/bin/env python3
"""Reproducible benchmark harness for `complaints` (Python 3.11, stdlib only).

For each size (100k, 1m, 10m) it generates synthetic data once (cached in bench/cache/<size>/),
writes three job configs (`full`, `core` and `lean`), runs each job --runs times under /usr/bin/time,
reads the per-stage timings and memory marks from the run's timings.json (row counts from its
manifest.json), prints a table per (size, job) and a
Markdown table, and writes every raw number to bench/results/<timestamp>.json.

    bench/run.py                      # 100k and 1m, 3 runs each
    bench/run.py 100k --runs 1        # quick
    bench/run.py 10m                  # takes a long time and a lot of memory and disk
    bench/run.py --equivalence        # 100k: default vs --per-row outputs, byte for byte
    bench/run.py 100k 1m --dry-run    # print the commands only

See bench/README.md.
"""

from __future__ import annotations

import argparse
import filecmp
import hashlib
import json
import mmap
import os
import platform
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
BINARY = REPO / "target" / "release" / "complaints"
CACHE = BENCH / "cache"
RESULTS = BENCH / "results"
TIME_BIN = "/usr/bin/time"
TIME_FMT = "%e %M %R"  # wall seconds, max RSS KiB, minor page faults

SIZES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
DEFAULT_SIZES = ["100k", "1m"]
JOBS = ["full", "core", "lean"]
SEED = 7
AS_OF = "2026-11-01T00:00:00+08:00"
STAGES = ["ingest", "normalize", "events", "classify", "sla", "audit", "tables", "summary", "assess",
          "aggregate", "render"]
DATA_FILES = ["complaints.csv", "events.csv", "roster.csv"]
STAMP = ".bench-stamp.json"
# Outputs the equivalence check expects to see (it compares every file but manifest.json).
EXPECTED_OUTPUTS = [
    "report.html", "audit.html", "explain.html", "report.xlsx", "complaints.csv", "sla.csv",
    "escalations.csv", "rejects.csv", "findings.csv",
]
# Rough size of the full job's outputs per complaint (100k: ~370 MB), for a disk-space warning.
OUT_BYTES_PER_ROW = 4_000
# Background CPU (cores) above which a measurement is flagged as disturbed.
BUSY_WARN = 0.2


class HarnessError(Exception):
    """A failure that stops the benchmark; printed without a traceback."""


LOG_TO_STDOUT = False  # --dry-run: one stream, in order


def log(msg: str = "") -> None:
    print(msg, file=sys.stdout if LOG_TO_STDOUT else sys.stderr, flush=True)


def quote(argv: list) -> str:
    return shlex.join(str(a) for a in argv)


def toml_str(s: str | Path) -> str:
    # JSON string escapes are valid TOML basic-string escapes.
    return json.dumps(str(s), ensure_ascii=False)


def toml_list(items: list) -> str:
    return "[" + ", ".join(toml_str(i) for i in items) + "]"


# --------------------------------------------------------------------------------------------
# Environment


def check_tools(dry_run: bool) -> None:
    problems = []
    if not (BINARY.is_file() and os.access(BINARY, os.X_OK)):
        problems.append(f"{BINARY} not found: build it first: cargo build --release")
    if not (os.path.isfile(TIME_BIN) and os.access(TIME_BIN, os.X_OK)):
        problems.append(f"{TIME_BIN} not found (GNU time; on Debian/Ubuntu: apt-get install time)")
    if problems:
        if dry_run:
            for p in problems:
                log(f"warning: {p}")
        else:
            raise HarnessError("\n".join(problems))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


class Binary:
    """The binary under test, pinned for the whole session.

    target/release/complaints may be rebuilt while the benchmark runs. A hard link (or, on
    another file system, a copy) in the session's temp folder keeps every run on the build
    that was there at the start; the linker writes a new file rather than rewriting the old one.
    """

    def __init__(self, session_dir: Path):
        self.source = BINARY
        self.path = session_dir / "complaints"
        try:
            os.link(BINARY, self.path)
            self.pinned_by = "hardlink"
        except OSError:
            shutil.copy2(BINARY, self.path)
            self.pinned_by = "copy"
        st = self.path.stat()
        self.stat = (st.st_size, st.st_mtime_ns)
        self.sha256 = sha256_file(self.path)
        self.version = self._version()

    def _version(self) -> str:
        p = subprocess.run([self.path, "--version"], capture_output=True, text=True)
        if p.returncode != 0:
            raise HarnessError(f"`{BINARY} --version` failed (exit {p.returncode}):\n{p.stderr}")
        return p.stdout.strip()

    def check_unchanged(self) -> bool:
        st = self.path.stat()
        return (st.st_size, st.st_mtime_ns) == self.stat

    def info(self) -> dict:
        try:
            st = BINARY.stat()
            rebuilt = (st.st_size, st.st_mtime_ns) != self.stat
        except OSError:
            rebuilt = True
        return {
            "path": str(self.source),
            "version": self.version,
            "sha256": self.sha256,
            "size_bytes": self.stat[0],
            "pinned_by": self.pinned_by,
            # target/release/complaints differs from the build that was measured.
            "source_rebuilt_during_session": rebuilt,
        }


def machine_info() -> dict:
    info: dict = {"nproc": len(os.sched_getaffinity(0)), "cpu_count": os.cpu_count()}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["mem_total_kib"] = int(line.split()[1])
                break
    except OSError:
        pass
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info["kernel"] = platform.release()  # = uname -r
    return info


def vm_probe(tmp: Path, mib: int = 512) -> dict:
    """What fresh memory and page-cache writes cost on this machine right now.

    On a virtual machine whose memory the host backs lazily (and takes back when the guest frees
    it), the first write to a page can cost far more than the work done on it: a run's peak RSS
    and the size of its outputs then set a floor under its wall time that no code change in the
    tool removes. Measured here so every result carries it.
    """
    n = mib << 20
    pages = n // 4096
    m = mmap.mmap(-1, n)
    t = time.perf_counter()
    m[::4096] = b"\x01" * pages  # one write per page: first touch
    first = time.perf_counter() - t
    t = time.perf_counter()
    m[::4096] = b"\x02" * pages  # the same pages again: already backed
    again = time.perf_counter() - t
    m.close()
    block = b"\0" * (8 << 20)
    path = tmp / f".complaints-bench-probe-{os.getpid()}"
    t = time.perf_counter()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for _ in range(n // len(block)):
            os.write(fd, block)
    finally:
        os.close(fd)
    write = time.perf_counter() - t
    path.unlink(missing_ok=True)
    gib = mib / 1024
    return {
        "mib": mib,
        "first_touch_s_per_gib": round(first / gib, 3),
        "touch_again_s_per_gib": round(again / gib, 3),
        "page_cache_write_s_per_gib": round(write / gib, 3),
    }


def fmt_probe(p: dict) -> str:
    return (f"first touch of fresh memory {p['first_touch_s_per_gib']:.2f} s/GiB (again "
            f"{p['touch_again_s_per_gib']:.3f}), writing files {p['page_cache_write_s_per_gib']:.2f} s/GiB")


def git_info() -> dict:
    def git(*args: str) -> str | None:
        try:
            p = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True)
        except OSError:
            return None
        return p.stdout if p.returncode == 0 else None

    commit = (git("rev-parse", "--short", "HEAD") or "").strip() or "unknown"
    status = git("status", "--porcelain") or ""
    tracked = [l for l in status.splitlines() if l and not l.startswith("??")]
    return {
        "commit": commit + ("-dirty" if tracked else ""),
        "dirty": bool(tracked),
        "changed_files": [l[3:] for l in tracked],
    }


def load_avg() -> list[float] | None:
    try:
        return list(os.getloadavg())
    except OSError:
        return None


CLK_TCK = os.sysconf("SC_CLK_TCK")


def machine_busy_s() -> float | None:
    """CPU seconds spent busy by the whole machine since boot (all cores), from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
    except OSError:
        return None
    # cpu user nice system idle iowait irq softirq steal [guest guest_nice: inside user]
    v = [int(x) for x in fields[1:9]]
    return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / CLK_TCK


def children_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def background_cores(seconds: float = 1.0) -> float | None:
    """How many cores other processes keep busy, sampled over `seconds`."""
    b0, t0 = machine_busy_s(), time.monotonic()
    time.sleep(seconds)
    b1, t1 = machine_busy_s(), time.monotonic()
    if b0 is None or b1 is None:
        return None
    return max(0.0, (b1 - b0) / (t1 - t0))


# --------------------------------------------------------------------------------------------
# Data and configs


def sample_cmd(size: str, bin_path: Path | str) -> list[str]:
    out = CACHE / size
    return [str(bin_path), "sample", "--rows", str(SIZES[size]), "--seed", str(SEED), "--events",
            "--out", str(out)]


def stamp_command(size: str) -> list[str]:
    # The command as recorded: `complaints` instead of the (session-specific) binary path.
    return ["complaints", *sample_cmd(size, "complaints")[1:]]


def cache_state(size: str) -> tuple[bool, str]:
    """(reusable, why)."""
    d = CACHE / size
    missing = [f for f in DATA_FILES if not (d / f).is_file()]
    if missing:
        return False, f"missing {', '.join(missing)}"
    try:
        stamp = json.loads((d / STAMP).read_text())
    except (OSError, ValueError):
        return False, f"no valid stamp file {STAMP}"
    if stamp.get("command") != stamp_command(size):
        return False, f"stamp records another command: {quote(stamp.get('command') or [])}"
    sizes = stamp.get("file_sizes", {})
    for f in DATA_FILES:
        if sizes.get(f) != (d / f).stat().st_size:
            return False, f"{f} changed since it was generated"
    return True, f"cached ({stamp.get('generated_at', '?')}, {stamp.get('binary_version', '?')})"


def ensure_data(size: str, binary: Binary | None, dry_run: bool) -> dict:
    d = CACHE / size
    ok, why = cache_state(size)
    if ok:
        log(f"[{size}] data: reuse {d} — {why}")
        return {"reused": True, "command": stamp_command(size)}
    cmd = sample_cmd(size, binary.path if binary else BINARY)
    log(f"[{size}] data: generate ({why})")
    if dry_run:
        print(quote(cmd))
        return {"reused": False, "command": stamp_command(size)}
    d.mkdir(parents=True, exist_ok=True)
    (d / STAMP).unlink(missing_ok=True)
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    secs = time.monotonic() - t0
    if p.returncode != 0:
        raise HarnessError(f"data generation failed (exit {p.returncode}): {quote(cmd)}\n"
                           f"{p.stderr.strip()}")
    for f in DATA_FILES:
        if not (d / f).is_file():
            raise HarnessError(f"data generation did not write {d / f}: {quote(cmd)}")
    stamp = {
        "command": stamp_command(size),
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "binary_version": binary.version,
        "binary_sha256": binary.sha256,
        "seconds": round(secs, 2),
        "file_sizes": {f: (d / f).stat().st_size for f in DATA_FILES},
    }
    (d / STAMP).write_text(json.dumps(stamp, indent=2) + "\n")
    log(f"[{size}] data: generated in {secs:.1f} s ({p.stderr.strip()})")
    return {"reused": False, "command": stamp_command(size), "seconds": round(secs, 2)}


def job_config(size: str, job: str) -> str:
    d = CACHE / size
    lines = [
        f"# Generated by bench/run.py for the `{job}` job at {size}; rewritten on every run.",
        'timezone = "Asia/Shanghai"',
        f"inputs = {toml_list([d / 'complaints.csv'])}",
    ]
    if job == "lean":
        # The core job's work without the record-level CSVs (the reports, report.xlsx, rejects
        # and findings only): the outputs issue 7's core job lists.
        lines.append("record_tables = false")
    if job == "full":
        lines += [
            f"events = {toml_list([d / 'events.csv'])}",
            f"roster = {toml_str(d / 'roster.csv')}",
        ]
    lines += [
        f"rules = {toml_str(REPO / 'rules')}",
        f"templates = {toml_str(REPO / 'report_templates')}",
        'lang = "zh"',
        "",
        "[ingest]",
        'encoding = "auto"',
        "",
        "[profile.satisfaction]",
        'scale = "percent"',
        "",
        "[sla]",
    ]
    if job == "full":
        lines.append('presets = ["three_level", "acknowledgement", "followup", "resolution"]')
    else:
        lines.append('presets = ["three_level", "acknowledgement", "followup"]')
    lines.append('calendar = "cn_office"')
    if job in ("core", "lean"):
        lines += ["", "[audit]", "duties = []"]
    # `full` keeps the default duties: every file in rules/duties/.
    return "\n".join(lines) + "\n"


def config_path(size: str, job: str) -> Path:
    return CACHE / size / f"{job}.toml"


def write_config(size: str, job: str, dry_run: bool) -> Path:
    path = config_path(size, job)
    text = job_config(size, job)
    if dry_run:
        log(f"[{size}/{job}] would write {path}:")
        for line in text.splitlines():
            log(f"    {line}")
    else:
        path.write_text(text)
    return path


def run_cmd(bin_path: Path | str, cfg: Path, out: Path | str, job: str,
            per_row: bool = False) -> list[str]:
    cmd = [str(bin_path), "run", "--config", str(cfg), "--out", str(out), "--as-of", AS_OF]
    if job == "full":
        cmd += ["--period", "all"]
    if per_row:
        cmd.append("--per-row")
    cmd.append("-q")
    return cmd


# --------------------------------------------------------------------------------------------
# One run


TIME_LINE = re.compile(r"^\s*(\d+(?:\.\d+)?) (\d+) (\d+)\s*$")


def parse_time_file(path: Path) -> tuple[float, int, int] | None:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        m = TIME_LINE.match(line)
        if m:
            return float(m.group(1)), int(m.group(2)), int(m.group(3))
    return None


def timed_run(cmd: list[str], tmp_root: Path, label: str,
              n_inputs: int = 1, prefix: str = "run-") -> tuple[dict, Path, Path]:
    """Runs `cmd` (whose --out is tmp_root/out) under /usr/bin/time. Returns (record, out, dir);
    the caller deletes dir."""
    run_dir = Path(tempfile.mkdtemp(prefix=prefix, dir=tmp_root))
    out = run_dir / "out"
    cmd = [str(out) if c == "{OUT}" else c for c in cmd]
    time_file = run_dir / "time.txt"
    full = [TIME_BIN, "-f", TIME_FMT, "-o", str(time_file), *cmd]
    load = load_avg()
    cpu0, busy0 = children_cpu_s(), machine_busy_s()
    t0 = time.monotonic()
    p = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       errors="replace", cwd=REPO)
    elapsed = time.monotonic() - t0
    # CPU of the run itself (user + sys, via /usr/bin/time, which waits for it), and the CPU
    # the rest of the machine used meanwhile: a disturbed measurement shows up here.
    cpu_s = children_cpu_s() - cpu0
    busy1 = machine_busy_s()
    bg = (max(0.0, (busy1 - busy0) - cpu_s) / elapsed
          if busy0 is not None and busy1 is not None and elapsed > 0 else None)
    parsed = parse_time_file(time_file)
    time_text = time_file.read_text(errors="replace") if time_file.exists() else ""
    if p.returncode != 0:
        sig = re.search(r"terminated by signal (\d+)", time_text)
        why = f"killed by signal {sig.group(1)}" if sig else f"exit code {p.returncode}"
        if sig and sig.group(1) == "9":
            why += " (out of memory? see `dmesg`)"
        shutil.rmtree(run_dir, ignore_errors=True)
        raise HarnessError(
            f"{label}: the run failed ({why}):\n  {quote([BINARY, *cmd[1:]])}\n"
            f"--- stderr ---\n{p.stderr.rstrip() or '(empty)'}\n"
            f"--- stdout ---\n{p.stdout.rstrip() or '(empty)'}")
    if parsed is None:
        shutil.rmtree(run_dir, ignore_errors=True)
        raise HarnessError(f"{label}: could not parse {TIME_BIN} output {time_text!r}")
    def read_json(name: str) -> dict:
        path = out / name
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError) as e:
            shutil.rmtree(run_dir, ignore_errors=True)
            raise HarnessError(f"{label}: cannot read {path}: {e}")
    manifest = read_json("manifest.json")
    # Stage timings and memory marks sit in timings.json beside the manifest (the manifest is
    # the run's identity, byte-identical between identical runs).
    timings = read_json("timings.json")
    wall, rss_kib, minor = parsed
    rows = manifest.get("rows", {})
    # The manifest lists the complaint exports first (their records add up to rows.read),
    # then the event logs.
    inputs = manifest.get("inputs", [])
    events = sum(f.get("records", 0) for f in inputs[n_inputs:])
    record = {
        "wall_s": wall,
        "max_rss_kib": rss_kib,
        "minor_faults": minor,
        "harness_elapsed_s": round(elapsed, 3),
        "cpu_s": round(cpu_s, 3),
        "background_cores": round(bg, 3) if bg is not None else None,
        "rule_evaluations": (manifest.get("coverage") or {}).get("evaluations"),
        "timings_ms": timings.get("timings_ms", {}),
        "stages": timings.get("stages", []),
        "peak_rss_mib_by_stage": timings.get("peak_rss_mib", {}),
        "rows": rows,
        "events": events,
        "rejects_by_reason": manifest.get("rejects_by_reason", {}),
        "warnings": manifest.get("warnings", []),
        "stderr": p.stderr.strip(),
        "load_avg_before": load,
    }
    return record, out, run_dir


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    # Let the deleted outputs' writeback settle before the next run starts.
    try:
        os.sync()
    except AttributeError:
        pass


# --------------------------------------------------------------------------------------------
# Summaries


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def summarize(runs: list[dict]) -> dict:
    stages: list[str] = []
    for r in runs:
        for s in r["stages"] or list(r["timings_ms"]):
            if s not in stages:
                stages.append(s)
    st = {}
    for s in stages:
        xs = [r["timings_ms"][s] for r in runs if s in r["timings_ms"]]
        st[s] = {"median_ms": median(xs), "min_ms": min(xs), "max_ms": max(xs)}
    walls = [r["wall_s"] for r in runs]
    sums = [sum(r["timings_ms"].values()) for r in runs]
    rows_read = runs[-1]["rows"].get("read", 0)
    classify = st.get("classify", {}).get("median_ms")
    throughput = (rows_read / (classify / 1000) / 1e6) if classify else None
    consistent = all(r["rows"] == runs[0]["rows"] and r["events"] == runs[0]["events"]
                     for r in runs)
    return {
        "runs": len(runs),
        "stages": st,
        "stage_order": stages,
        "sum_of_stages_ms": median(sums),
        "wall_s": {"median": median(walls), "min": min(walls), "max": max(walls)},
        "max_rss_mib": median([r["max_rss_kib"] for r in runs]) / 1024,
        "peak_rss_mib_by_stage": {
            k: median([r["peak_rss_mib_by_stage"][k] for r in runs
                       if k in r.get("peak_rss_mib_by_stage", {})])
            for k in runs[-1].get("peak_rss_mib_by_stage", {})
        },
        "minor_faults": median([r["minor_faults"] for r in runs]),
        "rows": runs[-1]["rows"],
        "events": runs[-1]["events"],
        "rows_consistent_across_runs": consistent,
        "cpu_s": median([r["cpu_s"] for r in runs]),
        "background_cores": max((r["background_cores"] or 0) for r in runs),
        "rule_evaluations": runs[-1].get("rule_evaluations"),
        "classify_throughput_mrec_s": throughput,
    }


def fmt_int(x: float) -> str:
    return f"{int(round(x)):,}"


def print_table(size: str, job: str, s: dict) -> None:
    n = s["runs"]
    rows = s["rows"]
    ev = f"{s['events']:,} events" if s["events"] else "no event log"
    print()
    print(f"== {size} / {job} — {n} run{'s' if n != 1 else ''}; rows read {rows.get('read', 0):,} "
          f"(accepted {rows.get('accepted', 0):,}, rejected {rows.get('rejected', 0):,}), {ev} ==")
    wall_ms = s["wall_s"]["median"] * 1000
    hdr = f"{'stage':<26}{'median ms':>11}{'min':>9}{'max':>9}{'% wall':>8}"
    print(hdr)
    print("-" * len(hdr))
    for name in s["stage_order"]:
        v = s["stages"][name]
        pct = 100 * v["median_ms"] / wall_ms if wall_ms else 0
        print(f"{name:<26}{fmt_int(v['median_ms']):>11}{fmt_int(v['min_ms']):>9}"
              f"{fmt_int(v['max_ms']):>9}{pct:>7.1f}%")
    print("-" * len(hdr))
    ss = s["sum_of_stages_ms"]
    print(f"{'sum of stages':<26}{fmt_int(ss):>11}{'':>18}{100 * ss / wall_ms if wall_ms else 0:>7.1f}%")
    other = wall_ms - ss
    print(f"{'other (start, prepare, exit)':<26}{fmt_int(other):>11}{'':>18}"
          f"{100 * other / wall_ms if wall_ms else 0:>7.1f}%")
    w = s["wall_s"]
    print(f"{'wall':<26}{w['median']:>9.2f} s  (min {w['min']:.2f} s, max {w['max']:.2f} s)")
    print(f"{'peak RSS':<26}{s['max_rss_mib']:>7.1f} MiB")
    if s["peak_rss_mib_by_stage"]:
        marks = ", ".join(f"{k} {v:,.0f}" for k, v in s["peak_rss_mib_by_stage"].items())
        print(f"{'  high-water mark after':<26} {marks} (MiB)")
    print(f"{'minor faults':<26}{fmt_int(s['minor_faults']):>11}")
    w_med = s["wall_s"]["median"]
    print(f"{'CPU user+sys':<26}{s['cpu_s']:>9.2f} s  ({s['cpu_s'] / w_med if w_med else 0:.2f} cores busy on average)")
    if s["rule_evaluations"] is not None:
        print(f"{'rule evaluations':<26}{fmt_int(s['rule_evaluations']):>11}")
    tp = s["classify_throughput_mrec_s"]
    tp_s = f"{tp:.2f} M records/s" if tp else "n/a (classify < 1 ms)"
    print(f"{'rule stage throughput':<26}{tp_s:>11}   (rows read / median classify s)")
    if not s["rows_consistent_across_runs"]:
        print("note: row or event counts differ between runs!")
    if s["background_cores"] > BUSY_WARN:
        print(f"note: other processes kept up to {s['background_cores']:.2f} cores busy during "
              "these runs; the timings are disturbed")


def markdown(results: list[dict], meta: dict) -> str:
    m = meta["machine"]
    mem = f"{m.get('mem_total_kib', 0) / 1024 / 1024:.1f} GiB"
    lines = [
        f"Commit `{meta['git']['commit']}`, `{meta['binary']['version']}`, {m.get('nproc')} cores "
        f"({m.get('cpu_model', '?')}), {mem} RAM, kernel {m.get('kernel')}; "
        f"median of {meta['runs']} run(s), `--as-of {AS_OF}`; {meta['timestamp']}.",
        "",
        *[f"Machine probe at the {when}: {fmt_probe(meta[key])}." for when, key in
          (("start", "vm_probe_start"), ("end", "vm_probe_end")) if meta.get(key)],
        "",
        "| size | job | rows | events | " + " | ".join(STAGES)
        + " | wall s (min–max) | peak RSS MiB | minor faults | rules M rec/s |",
        "|---|---|---:|---:|" + "---:|" * len(STAGES) + "---:|---:|---:|---:|",
    ]
    disturbed = False
    for r in results:
        s = r["summary"]
        mark = ""
        if s["background_cores"] > BUSY_WARN:
            mark, disturbed = "*", True
        cells = []
        for st in STAGES:
            v = s["stages"].get(st)
            cells.append(f"{v['median_ms'] / 1000:.2f}" if v else "–")
        w = s["wall_s"]
        tp = s["classify_throughput_mrec_s"]
        lines.append(
            f"| {r['size']}{mark} | {r['job']} | {s['rows'].get('read', 0):,} | "
            f"{s['events']:,} | " + " | ".join(cells)
            + f" | {w['median']:.2f} ({w['min']:.2f}–{w['max']:.2f}) | {s['max_rss_mib']:.0f} | "
            f"{fmt_int(s['minor_faults'])} | {f'{tp:.2f}' if tp else '–'} |")
    lines.append("")
    lines.append("Stage columns: median wall seconds per stage from `timings.json` `timings_ms`. "
                 "Rules M rec/s = rows read / median classify seconds.")
    if disturbed:
        lines.append(f"\\* other processes used more than {BUSY_WARN} cores during these runs.")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Equivalence


def tree_files(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}


def first_difference(a: Path, b: Path) -> str:
    sa, sb = a.stat().st_size, b.stat().st_size
    with open(a, "rb") as fa, open(b, "rb") as fb:
        offset, line = 0, 1
        while True:
            ca, cb = fa.read(1 << 16), fb.read(1 << 16)
            if ca != cb:
                n = min(len(ca), len(cb))
                i = next((k for k in range(n) if ca[k] != cb[k]), n)
                line += ca[:i].count(b"\n")
                return f"sizes {sa:,} vs {sb:,} bytes; first difference at byte {offset + i:,} (line {line})"
            if not ca:
                return "identical"
            offset += len(ca)
            line += ca.count(b"\n")


def equivalence(binary: Binary | None, tmp_root: Path | None, dry_run: bool) -> dict:
    size, job = "100k", "full"
    cfg = config_path(size, job)
    log(f"[equivalence] {size}/{job}: default vs --per-row")
    if dry_run:
        for per_row in (False, True):
            print(quote([TIME_BIN, "-f", TIME_FMT, "-o", "<tmp>/time.txt",
                         *run_cmd(BINARY, cfg, "<tmpdir-%s>" % ("per-row" if per_row else "default"),
                                  job, per_row)]))
        print("# then compare every file of the two output folders except manifest.json and timings.json")
        return {}
    runs, dirs = {}, {}
    keep = False
    try:
        for mode, per_row in (("default", False), ("per_row", True)):
            rec, out, run_dir = timed_run(run_cmd(binary.path, cfg, "{OUT}", job, per_row),
                                          tmp_root, f"equivalence/{mode}",
                                          prefix=f"complaints-bench-eq-{mode}-")
            dirs[mode] = (out, run_dir)
            runs[mode] = rec
            log(f"[equivalence] {mode}: wall {rec['wall_s']:.2f} s, classify "
                f"{rec['timings_ms'].get('classify', 0):,} ms")
        a_root, b_root = dirs["default"][0], dirs["per_row"][0]
        a, b = tree_files(a_root), tree_files(b_root)
        # The manifest counts the rule evaluations, which is what differs between the modes.
        names = sorted((set(a) | set(b)) - {"manifest.json", "timings.json"})
        differing, compared, total_bytes = [], 0, 0
        for name in names:
            if name not in a or name not in b:
                differing.append({"file": name, "detail": f"only in {'default' if name in a else '--per-row'} output"})
                continue
            compared += 1
            total_bytes += a[name].stat().st_size
            if not filecmp.cmp(a[name], b[name], shallow=False):
                differing.append({"file": name, "detail": first_difference(a[name], b[name])})
        missing = [f for f in EXPECTED_OUTPUTS if f not in a]
        if not any(n.startswith("projects/") for n in a):
            missing.append("projects/*.html")
        if not any(n.startswith("months/") for n in a):
            missing.append("months/**")
        passed = not differing
        print()
        print(f"== equivalence {size}/{job}: default vs --per-row ==")
        print(f"compared {compared} files ({total_bytes / 2**20:,.1f} MiB), manifest.json and timings.json excluded")
        ca, cb = runs["default"]["timings_ms"].get("classify"), runs["per_row"]["timings_ms"].get("classify")
        print(f"classify: default {ca:,} ms, --per-row {cb:,} ms"
              + (f" ({cb / ca:.1f}x)" if ca else ""))
        if missing:
            print(f"warning: expected outputs not written: {', '.join(missing)}")
        if passed:
            print("PASS: every output file is byte-identical")
        else:
            keep = True
            print(f"FAIL: {len(differing)} file(s) differ:")
            for d in differing:
                print(f"  {d['file']}: {d['detail']}")
            print(f"outputs kept for inspection: {a_root} {b_root}")
        return {"size": size, "job": job, "passed": passed, "files_compared": compared,
                "bytes_compared": total_bytes, "differing": differing,
                "missing_expected": missing, "runs": runs,
                "kept": [str(a_root), str(b_root)] if keep else []}
    finally:
        if not keep:
            for _, run_dir in dirs.values():
                remove_tree(run_dir)


# --------------------------------------------------------------------------------------------
# Main


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="bench/run.py",
        description="Benchmark `complaints run` on synthetic data (see bench/README.md).")
    ap.add_argument("sizes", nargs="*", metavar="SIZE",
                    help=f"any of {', '.join(SIZES)} (default: {' '.join(DEFAULT_SIZES)}; "
                         "with --equivalence and no SIZE: only the equivalence check)")
    ap.add_argument("--runs", type=int, default=3, metavar="R",
                    help="runs per size and job (default 3); the tables show medians")
    ap.add_argument("--jobs", default=",".join(JOBS),
                    help="comma-separated jobs to run: full, core, lean (default: all three)")
    ap.add_argument("--equivalence", action="store_true",
                    help="100k full job: default vs --per-row, every output byte for byte "
                         "(exit 1 on FAIL)")
    ap.add_argument("--dry-run", action="store_true",
                    help="print the commands that would run, run nothing")
    ap.add_argument("--binary", default=str(BINARY), metavar="PATH",
                    help=f"the binary to measure (default {BINARY.relative_to(REPO)})")
    ap.add_argument("--tmp", default="/tmp", metavar="DIR",
                    help="where run outputs go (deleted after each run; default /tmp)")
    a = ap.parse_args(argv)
    for s in a.sizes:
        if s not in SIZES:
            ap.error(f"unknown size `{s}` (expected {', '.join(SIZES)})")
    if not a.sizes and not a.equivalence:
        a.sizes = list(DEFAULT_SIZES)
    a.sizes = list(dict.fromkeys(a.sizes))
    a.jobs = [j.strip() for j in a.jobs.split(",") if j.strip()]
    for j in a.jobs:
        if j not in JOBS:
            ap.error(f"unknown job `{j}` (expected {', '.join(JOBS)})")
    if a.runs < 1:
        ap.error("--runs must be at least 1")
    return a


def disk_check(sizes: list[str], tmp: Path) -> None:
    try:
        free = shutil.disk_usage(tmp).free
    except OSError as e:
        raise HarnessError(f"--tmp {tmp}: {e}")
    need = max(SIZES[s] for s in sizes) * OUT_BYTES_PER_ROW
    if free < need:
        log(f"warning: {tmp} has {free / 2**30:.1f} GiB free; a full run at "
            f"{max(sizes, key=SIZES.get)} writes about {need / 2**30:.1f} GiB")


def main(argv: list[str]) -> int:
    global BINARY, LOG_TO_STDOUT
    a = parse_args(argv)
    BINARY = Path(a.binary).absolute()
    LOG_TO_STDOUT = a.dry_run
    check_tools(a.dry_run)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    tmp = Path(a.tmp)
    bench_sizes = a.sizes
    data_sizes = list(dict.fromkeys(bench_sizes + (["100k"] if a.equivalence else [])))

    if a.dry_run:
        for size in data_sizes:
            ensure_data(size, None, True)
            jobs = list(a.jobs) if size in bench_sizes else []
            if size == "100k" and a.equivalence and "full" not in jobs:
                jobs.append("full")
            for job in jobs:
                write_config(size, job, True)
            for job in (a.jobs if size in bench_sizes else []):
                cmd = run_cmd(BINARY, config_path(size, job), "<tmpdir>", job)
                print(f"# {size}/{job}, x{a.runs} (outputs deleted after each run)")
                print(quote([TIME_BIN, "-f", TIME_FMT, "-o", "<tmp>/time.txt", *cmd]))
        if a.equivalence:
            equivalence(None, None, True)
        print(f"# results would be written to {RESULTS / (stamp + '.json')}")
        return 0

    if not tmp.is_dir():
        raise HarnessError(f"--tmp {tmp} is not a folder")
    disk_check(data_sizes, tmp)
    session = Path(tempfile.mkdtemp(prefix="complaints-bench-", dir=tmp))
    try:
        binary = Binary(session)
        meta = {
            "timestamp": stamp,
            "argv": sys.argv,
            "runs": a.runs,
            "as_of": AS_OF,
            "machine": machine_info(),
            "binary": None,
            "git": git_info(),
        }
        log(f"binary: {binary.version} ({binary.sha256[:12]}, pinned by {binary.pinned_by}); "
            f"commit {meta['git']['commit']}; {meta['machine'].get('nproc')} cores")
        bg = background_cores()
        meta["background_cores_at_start"] = bg
        meta["vm_probe_start"] = vm_probe(tmp)
        log(f"machine probe: {fmt_probe(meta['vm_probe_start'])}")
        if bg is not None and bg > BUSY_WARN:
            log(f"warning: other processes keep {bg:.2f} of {meta['machine'].get('nproc')} cores "
                "busy: the timings will be disturbed (see `top`)")
        data = {}
        for size in data_sizes:
            data[size] = ensure_data(size, binary, False)
        results = []
        for size in bench_sizes:
            for job in a.jobs:
                cfg = write_config(size, job, False)
                cmd = run_cmd(binary.path, cfg, "{OUT}", job)
                runs = []
                for i in range(a.runs):
                    label = f"{size}/{job} run {i + 1}/{a.runs}"
                    rec, out, run_dir = timed_run(cmd, session, label)
                    remove_tree(run_dir)
                    runs.append(rec)
                    log(f"[{label}] wall {rec['wall_s']:.2f} s, RSS {rec['max_rss_kib'] / 1024:.0f} MiB, "
                        f"classify {rec['timings_ms'].get('classify', 0):,} ms, render "
                        f"{rec['timings_ms'].get('render', 0):,} ms, background CPU "
                        f"{rec['background_cores'] or 0:.2f} cores")
                    if rec["stderr"]:
                        log(f"[{label}] stderr: {rec['stderr']}")
                s = summarize(runs)
                results.append({
                    "size": size, "job": job, "config": str(cfg),
                    "config_text": job_config(size, job),
                    "command": run_cmd("complaints", cfg, "<tmpdir>", job),
                    "data": data[size], "runs": runs, "summary": s,
                })
        for r in results:
            print_table(r["size"], r["job"], r["summary"])

        eq = None
        if a.equivalence:
            write_config("100k", "full", False)
            # Not under the session folder: on FAIL the outputs are kept for inspection.
            eq = equivalence(binary, tmp, False)

        meta["vm_probe_end"] = vm_probe(tmp)
        log(f"machine probe at the end: {fmt_probe(meta['vm_probe_end'])}")
        meta["binary"] = binary.info()
        if not binary.check_unchanged():
            log("warning: the pinned binary changed during the session; results are suspect")
            meta["binary"]["changed_during_session"] = True
        if results:
            print()
            print(markdown(results, meta))
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{stamp}.json"
        n = 1
        while path.exists():
            path = RESULTS / f"{stamp}-{n}.json"
            n += 1
        doc = {**meta, "sizes": bench_sizes, "jobs": a.jobs, "data": data,
               "results": results, "equivalence": eq}
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        print()
        print(f"results: {path.relative_to(REPO)}")
        if eq is not None and not eq["passed"]:
            return 1
        return 0
    finally:
        shutil.rmtree(session, ignore_errors=True)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except HarnessError as e:
        log(f"error: {e}")
        sys.exit(2)
    except KeyboardInterrupt:
        log("interrupted")
        sys.exit(130)
    except BrokenPipeError:  # e.g. `bench/run.py --dry-run | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
