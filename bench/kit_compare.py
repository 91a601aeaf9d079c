#!/usr/bin/env python3
"""Compare this tool's run of the benchmark kit's reference job with a peer's output.

    kit_compare.py EXPORT_DIR TOOL_OUT PEER_OUT

EXPORT_DIR is the kit export (``投诉记录.csv``), TOOL_OUT the output folder of
``complaints run --config bench/reference/complaints.toml`` (with the record tables:
``sla.csv`` and ``rejects.csv``), PEER_OUT the folder a kit peer wrote (``rejects.csv``,
``counts.csv``, ``verdicts.parquet``; e.g. ``peer_polars.py``).

The tool's verdicts and rejects are converted to the kit's shapes (README.md §2.2, §2.7 of
``bench/kit``) and compared row by row:

- rejects: ``(row, field, reason)``; the tool's reasons map onto the kit's (``missing_id`` →
  ``blank_id``, every timestamp problem → ``bad_timestamp``; the rule's own rejects,
  ``reject("before_received", "受理时间")``, carry the kit's reason and column);
- verdicts: ``(投诉编号, target, due, status)``. A ``revisit_3d`` verdict the tool gives a
  complaint without 处理完成时间 (``not_applicable``, or ``not_evaluable`` when 回访 is recorded
  anyway) has no counterpart: the kit writes no verdict there.

Every difference is put in a class. The tool is deliberately more lenient than the kit in a few
ways (it reads Excel serial dates); rows it accepts for such a reason, and their verdicts, are
counted under that class and allowed. Any other difference fails the comparison (exit 1).

Needs pyarrow or polars to read ``verdicts.parquet`` (the kit's virtual environment has both).
"""
from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from pathlib import Path

# Canonical field → the kit export's header.
HEADERS = {
    "complaint_id": "投诉编号",
    "received_at": "投诉时间",
    "acknowledged_at": "受理时间",
    "dispatched_at": "派单时间",
    "on_site_at": "到场时间",
    "resolved_at": "处理完成时间",
    "replied_at": "回复时间",
    "follow_up_at": "回访时间",
    "satisfaction": "满意度评分",
}
TS_HEADERS = ["投诉时间", "受理时间", "派单时间", "到场时间", "处理完成时间", "回复时间", "回访时间"]
# The tool's reject reasons that are the kit's bad_timestamp (a timestamp the kit's strict
# grammar refuses: malformed, impossible, a spreadsheet error value, before 2000).
TIMESTAMP_REASONS = {"bad_timestamp", "invalid_timestamp", "implausible_timestamp", "error_cell"}
# The reference rules reject with the kit's reason as the message and its column as the field
# (`reject("before_received", "受理时间")`).
RULE_REASON = re.compile(r": (before_received|bad_score)$")
STRICT_TS = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$")
# Why the tool accepts a value the kit rejects (README "lenient" classes in BENCHMARKS.md).
LENIENT = [
    ("excel_serial", re.compile(r"^\d{4,6}(\.\d+)?$")),
    ("surrounding_spaces", re.compile(r"^\s+\S.*$|^.*\S\s+$")),
    ("unpadded_or_slashed", re.compile(r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}( \d{1,2}:\d{1,2}(:\d{1,2})?)?$")),
]


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def export_rows(export: Path, wanted: set[int]) -> tuple[int, dict[int, dict[str, str]]]:
    """The number of data records in the export, and records `wanted` (numbered from 1).

    Streamed: a 10 M-row export is 3.4 GB, and as a list of dicts it outgrew the machine's
    memory; only the rejected rows are looked at."""
    path = export / "投诉记录.csv"
    with open(path, "rb") as f:
        head = f.read(1 << 20)
    encoding = "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        # A cut in the middle of a character at the end of the sample is still UTF-8.
        if e.start < len(head) - 4:
            encoding = "gb18030"
    rows: dict[int, dict[str, str]] = {}
    n = 0
    with open(path, encoding=encoding, newline="") as f:
        for n, record in enumerate(csv.DictReader(f), start=1):
            if n in wanted:
                rows[n] = record
    return n, rows


def tool_reject_rows(tool: Path) -> list[dict[str, str]]:
    return [r for r in read_csv(tool / "rejects.csv") if r["stage"] != "events"]


def tool_rejects(rejects: list[dict[str, str]], records: dict[int, dict[str, str]]
                 ) -> dict[int, tuple[str, str, str]]:
    """row → (field, reason, value), in the kit's terms."""
    out = {}
    for r in rejects:
        row = int(r["record"])
        raw = records[row]
        if r["stage"] == "classify":
            m = RULE_REASON.search(r["message"])
            if r["reason"] != "rule_reject" or not m:
                out[row] = ("", f"{r['reason']}:{r['message']}", "")
                continue
            header = r["field"]
            out[row] = (header, m.group(1), raw.get(header, ""))
            continue
        header = HEADERS.get(r["field"], r["field"])
        reason = {
            "missing_id": "blank_id",
            "missing_received_at": "missing_timestamp",
            "bad_satisfaction": "bad_score",
        }.get(r["reason"], r["reason"])
        if r["reason"] in TIMESTAMP_REASONS:
            reason = "bad_timestamp"
        out[row] = (header, reason, raw.get(header, ""))
    return out


def peer_rejects(peer: Path) -> dict[int, tuple[str, str, str]]:
    return {int(r["row"]): (r["field"], r["reason"], r["value"]) for r in read_csv(peer / "rejects.csv")}


def lenient_class(record: dict[str, str], field: str) -> str | None:
    """Why the tool accepted a record the kit rejected on `field`, if it is a known leniency."""
    value = record.get(field, "")
    for name, pattern in LENIENT:
        if pattern.match(value) and not STRICT_TS.match(value):
            return name
    return None


def compare_verdicts(tool: Path, peer: Path, lenient_ids: set[str]) -> bool:
    """Prints how the verdicts compare; True when they agree outside the allowed classes.

    With polars (the kit's virtual environment has it) the comparison is two joins of
    columns: the tuples in Counters of the pure-Python path need more memory than the machine
    has at 10 M complaints (30 M verdicts a side)."""
    try:
        import polars as pl
    except ImportError:
        pl = None
    if pl is None:
        return compare_verdicts_py(tool, peer, lenient_ids)
    keys = ["投诉编号", "target", "due", "status"]
    p = pl.read_parquet(peer / "verdicts.parquet", columns=keys).with_columns(
        pl.col("due").dt.strftime("%Y-%m-%d %H:%M:%S"))
    t = pl.read_csv(tool / "sla.csv", columns=["complaint_id", "target", "start_at", "due_at", "status"],
                    schema_overrides={c: pl.Utf8 for c in ["complaint_id", "target", "start_at",
                                                           "due_at", "status"]})
    t = t.with_columns(pl.col("due_at").fill_null(""), pl.col("start_at").fill_null(""))
    no_counterpart = t.filter((pl.col("target") == "revisit_3d") & (pl.col("start_at") == ""))
    t = t.filter(~((pl.col("target") == "revisit_3d") & (pl.col("start_at") == "")))
    t = t.rename({"complaint_id": "投诉编号", "due_at": "due"}).select(keys)
    lenient = t.filter(pl.col("投诉编号").is_in(list(lenient_ids)))
    t = t.filter(~pl.col("投诉编号").is_in(list(lenient_ids)))
    # Multisets: number the copies of each tuple on both sides, then join on tuple and copy.
    t = t.with_columns(pl.int_range(pl.len()).over(keys).alias("copy"))
    p = p.with_columns(pl.int_range(pl.len()).over(keys).alias("copy"))
    on = [*keys, "copy"]
    only_t = t.join(p, on=on, how="anti")
    only_p = p.join(t, on=on, how="anti")
    same = p.height - only_p.height
    print(f"verdicts: {same:,} of {p.height:,} of the peer's agree on (id, target, due, status)")
    for status, n in sorted(no_counterpart.group_by("status").len().iter_rows()):
        print(f"  verdicts {n:>9,}  no kit counterpart: revisit_3d without 处理完成时间 ({status})")
    if lenient.height:
        print(f"  verdicts {lenient.height:>9,}  lenient: verdicts of rows only the tool accepts")
    if only_t.height or only_p.height:
        print(f"  verdicts {only_t.height:>9,}  DIFF: the tool's only, e.g. {only_t.head(3).rows()}")
        print(f"  verdicts {only_p.height:>9,}  DIFF: the peer's only, e.g. {only_p.head(3).rows()}")
        return False
    return True


def compare_verdicts_py(tool: Path, peer: Path, lenient_ids: set[str]) -> bool:
    """[compare_verdicts] without polars (pyarrow reads the peer's parquet)."""
    import pyarrow.parquet as pq

    t = pq.read_table(peer / "verdicts.parquet").to_pydict()
    p_ver = [
        (i, tg, d.strftime("%Y-%m-%d %H:%M:%S"), s)
        for i, tg, d, s in zip(t["投诉编号"], t["target"], t["due"], t["status"])
    ]
    t_ver, skipped = [], Counter()
    with open(tool / "sla.csv", encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            if r["target"] == "revisit_3d" and not r["start_at"]:
                skipped[f"revisit_3d without 处理完成时间 ({r['status']})"] += 1
                continue
            t_ver.append((r["complaint_id"], r["target"], r["due_at"], r["status"]))
    t_keep = [v for v in t_ver if v[0] not in lenient_ids]
    lenient_verdicts = len(t_ver) - len(t_keep)
    t_set, p_set = Counter(t_keep), Counter(p_ver)
    same = sum((t_set & p_set).values())
    only_t = t_set - p_set
    only_p = p_set - t_set
    print(f"verdicts: {same:,} of {len(p_ver):,} of the peer's agree on (id, target, due, status)")
    for key, n in sorted(skipped.items()):
        print(f"  verdicts {n:>9,}  no kit counterpart: {key}")
    if lenient_verdicts:
        print(f"  verdicts {lenient_verdicts:>9,}  lenient: verdicts of rows only the tool accepts")
    if only_t or only_p:
        print(f"  verdicts {sum(only_t.values()):>9,}  DIFF: the tool's only, e.g. {list(only_t)[:3]}")
        print(f"  verdicts {sum(only_p.values()):>9,}  DIFF: the peer's only, e.g. {list(only_p)[:3]}")
        return False
    return True


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    export, tool, peer = (Path(a) for a in argv[1:])
    ok = True

    # Row accounting.
    counts = read_csv(peer / "counts.csv")[0]
    t_rows = tool_reject_rows(tool)
    p_rej = peer_rejects(peer)
    read, records = export_rows(export, {int(r["record"]) for r in t_rows} | set(p_rej))
    t_rej = tool_rejects(t_rows, records)
    print(f"rows: tool read {read:,}, rejected {len(t_rej):,}; "
          f"peer read {int(counts['rows_read']):,}, rejected {int(counts['rejected']):,}")

    # Rejects, row by row.
    lenient_rows: dict[int, str] = {}
    classes: Counter = Counter()
    examples: dict[str, list[str]] = {}
    for row in sorted(set(t_rej) | set(p_rej)):
        t, p = t_rej.get(row), p_rej.get(row)
        if t is not None and p is not None and t[:2] == p[:2]:
            classes["same reject"] += 1
            continue
        if t is None:
            cls = lenient_class(records[row], p[0])
            if cls:
                lenient_rows[row] = cls
                key = f"lenient: accepted by the tool ({cls})"
            else:
                key = f"DIFF: rejected by the peer only ({p[1]} {p[0]})"
        elif p is None:
            key = f"DIFF: rejected by the tool only ({t[1]} {t[0]})"
        elif p[1] == "bad_timestamp" and (cls := lenient_class(records[row], p[0])):
            # The tool read the value the kit refuses, and the row then failed a later check.
            key = f"lenient: read by the tool ({cls}), then rejected as {t[1]}"
        else:
            key = f"DIFF: different reject (tool {t[1]} {t[0]}, peer {p[1]} {p[0]})"
        classes[key] += 1
        examples.setdefault(key, []).append(f"row {row}: {records[row].get(p[0] if p else t[0], '')!r}")
    for key, n in sorted(classes.items()):
        print(f"  rejects  {n:>9,}  {key}")
        if key.startswith("DIFF"):
            ok = False
            for e in examples[key][:3]:
                print(f"             e.g. {e}")

    # Verdicts.
    lenient_ids = {records[r]["投诉编号"] for r in lenient_rows}
    ok = compare_verdicts(tool, peer, lenient_ids) and ok
    print("AGREE (differences only in the classes allowed)" if ok else "DIFFER")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
