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


def export_records(export: Path) -> list[dict[str, str]]:
    """The export's data records in order (record n is index n - 1)."""
    data = (export / "投诉记录.csv").read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("gb18030")
    return list(csv.DictReader(text.splitlines(keepends=True)))


def tool_rejects(tool: Path, records: list[dict[str, str]]) -> dict[int, tuple[str, str, str]]:
    """row → (field, reason, value), in the kit's terms."""
    out = {}
    for r in read_csv(tool / "rejects.csv"):
        if r["stage"] == "events":
            continue
        row = int(r["record"])
        raw = records[row - 1]
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


def peer_verdicts(peer: Path) -> list[tuple[str, str, str, str]]:
    path = peer / "verdicts.parquet"
    try:
        import pyarrow.parquet as pq

        t = pq.read_table(path).to_pydict()
        ids, targets, dues, statuses = t["投诉编号"], t["target"], t["due"], t["status"]
    except ImportError:
        import polars as pl

        df = pl.read_parquet(path)
        ids, targets, dues, statuses = (df[c].to_list() for c in ("投诉编号", "target", "due", "status"))
    return [
        (i, tg, d.strftime("%Y-%m-%d %H:%M:%S"), s)
        for i, tg, d, s in zip(ids, targets, dues, statuses)
    ]


def tool_verdicts(tool: Path) -> tuple[list[tuple[str, str, str, str]], Counter]:
    """The tool's verdicts in the kit's shape, and the ones with no kit counterpart by class."""
    out, skipped = [], Counter()
    with open(tool / "sla.csv", encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            if r["target"] == "revisit_3d" and not r["start_at"]:
                skipped[f"revisit_3d without 处理完成时间 ({r['status']})"] += 1
                continue
            out.append((r["complaint_id"], r["target"], r["due_at"], r["status"]))
    return out, skipped


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    export, tool, peer = (Path(a) for a in argv[1:])
    records = export_records(export)
    ok = True

    # Row accounting.
    counts = read_csv(peer / "counts.csv")[0]
    t_rej = tool_rejects(tool, records)
    p_rej = peer_rejects(peer)
    print(f"rows: tool read {len(records):,}, rejected {len(t_rej):,}; "
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
            cls = lenient_class(records[row - 1], p[0])
            if cls:
                lenient_rows[row] = cls
                key = f"lenient: accepted by the tool ({cls})"
            else:
                key = f"DIFF: rejected by the peer only ({p[1]} {p[0]})"
        elif p is None:
            key = f"DIFF: rejected by the tool only ({t[1]} {t[0]})"
        elif p[1] == "bad_timestamp" and (cls := lenient_class(records[row - 1], p[0])):
            # The tool read the value the kit refuses, and the row then failed a later check.
            key = f"lenient: read by the tool ({cls}), then rejected as {t[1]}"
        else:
            key = f"DIFF: different reject (tool {t[1]} {t[0]}, peer {p[1]} {p[0]})"
        classes[key] += 1
        examples.setdefault(key, []).append(f"row {row}: {records[row - 1].get(p[0] if p else t[0], '')!r}")
    for key, n in sorted(classes.items()):
        print(f"  rejects  {n:>9,}  {key}")
        if key.startswith("DIFF"):
            ok = False
            for e in examples[key][:3]:
                print(f"             e.g. {e}")

    # Verdicts.
    lenient_ids = {records[r - 1]["投诉编号"] for r in lenient_rows}
    t_ver, skipped = tool_verdicts(tool)
    p_ver = peer_verdicts(peer)
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
        ok = False
        print(f"  verdicts {sum(only_t.values()):>9,}  DIFF: the tool's only, e.g. {list(only_t)[:3]}")
        print(f"  verdicts {sum(only_p.values()):>9,}  DIFF: the peer's only, e.g. {list(only_p)[:3]}")
    print("AGREE (differences only in the classes allowed)" if ok else "DIFFER")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
