use super::*;
use crate::model::Origin;

fn event(texts: &mut TextsBuilder, kind: &str, at: Ts, line: u32) -> Event {
    let origin = Origin {
        file: 1,
        line,
        record: line - 1,
    };
    texts.event(kind, at, None, None, None, None, origin, false)
}

fn complaint(id: &str) -> Complaint {
    Complaint {
        id: id.into(),
        ..Complaint::default()
    }
}

fn lines(events: Events<'_>) -> Vec<u32> {
    events.iter().map(|e| e.origin.line).collect()
}

/// Every event of a log's complaints at positions `range`, complaint by complaint.
fn all_lines(log: &EventLog, range: std::ops::Range<usize>) -> Vec<u32> {
    let w = log.window(range.clone()).expect("window");
    range.flat_map(|i| lines(w.at(i))).collect()
}

/// Complaints spread over many partitions (down to one complaint each), events in a
/// scrambled order with repeated times: the spill and its sort give the order of one sort of
/// the whole log by (complaint, time, origin), and any window reads the same events.
#[test]
fn the_sorted_spill_matches_one_sort_of_the_whole_log() {
    // Budgets of 0 and 4 KiB put the log in a scratch file.
    let cases = [
        (1usize, 0, usize::MAX),
        (7, 0, 0),
        (7, 16, usize::MAX),
        (1025, 4, 4096),
        (5000, 6, 0),
        (5000, 16, 4096),
        (5000, 16, usize::MAX),
    ];
    for (n, shift, budget) in cases {
        let complaints: Vec<Complaint> = (0..n).map(|i| complaint(&format!("C{i}"))).collect();
        let mut x = 0x2545_f491_u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut texts = TextsBuilder::default();
        let pairs: Vec<(u32, Event)> = (0..n as u32 * 3)
            .map(|k| {
                let c = (next() % n as u64) as u32;
                (c, event(&mut texts, "resolved", (next() % 5) as Ts, k + 2))
            })
            .collect();
        let mut want = pairs.clone();
        want.sort_by_key(|p| (p.0, p.1.at, p.1.origin));
        let index = IdIndex::new(complaints.iter().map(|c| c.id.as_str()));
        let (owners, events) = pairs.into_iter().unzip();
        let log = EventLog::from_parts_with(
            &complaints,
            index,
            owners,
            events,
            texts.finish(),
            shift,
            budget,
        );
        assert_eq!(
            all_lines(&log, 0..n),
            want.iter().map(|p| p.1.origin.line).collect::<Vec<_>>(),
            "{n} complaints, shift {shift}, budget {budget}"
        );
        let mut counts = vec![0usize; n];
        for (w, _) in &want {
            counts[*w as usize] += 1;
        }
        for (i, count) in counts.iter().enumerate() {
            assert_eq!(log.window(i..i + 1).unwrap().at(i).len(), *count);
        }
        // Windows of odd sizes see what the whole one does.
        for size in [1, 3, 64] {
            let mut got = Vec::new();
            for start in (0..n).step_by(size) {
                got.extend(all_lines(&log, start..(start + size).min(n)));
            }
            assert_eq!(got, all_lines(&log, 0..n), "windows of {size}");
        }
    }
}

/// A log in time order across complaints, with ties: each complaint gets its events in
/// time order, equal times in log order.
#[test]
fn events_are_grouped_by_complaint_in_time_then_log_order() {
    let complaints = [complaint("A"), complaint("B"), complaint("C")];
    let mut t = TextsBuilder::default();
    let pairs = vec![
        (2, event(&mut t, "dispatched", 50, 2)),
        (0, event(&mut t, "registered", 10, 3)),
        (2, event(&mut t, "registered", 5, 4)),
        (0, event(&mut t, "resolved", 30, 5)),
        (0, event(&mut t, "acknowledged", 20, 6)),
        (0, event(&mut t, "note", 20, 7)),
    ];
    let index = IdIndex::new(complaints.iter().map(|c| c.id.as_str()));
    let (owners, events) = pairs.into_iter().unzip();
    let mut log = EventLog::from_parts(&complaints, index, owners, events, t.finish());
    let w = log.window(0..3).unwrap();
    assert_eq!(lines(w.at(0)), [3, 6, 7, 5]);
    assert!(w.at(1).is_empty());
    assert_eq!(lines(w.at(2)), [4, 2]);
    // Outside its range a window has nothing.
    assert!(log.window(1..2).unwrap().at(0).is_empty());
    assert_eq!(lines(log.window(2..3).unwrap().at(2)), [4, 2]);
    // After classify drops B, positions follow the remaining complaints.
    log.align(&[complaints[0].clone(), complaints[2].clone()]);
    assert_eq!(all_lines(&log, 0..2), [3, 6, 7, 5, 4, 2]);
    assert_eq!(lines(log.window(1..2).unwrap().at(1)), [4, 2]);
}

/// A spool expecting more than its budget goes to a file from the start; one expecting less
/// stays in memory, and moves everything to a file if it is handed more after all. Reads
/// across appends see the bytes in order either way, through the page cache or around it
/// (where a read is widened to whole blocks: pieces that straddle them, and the file's end).
#[test]
fn a_spool_is_in_memory_within_its_budget_and_in_a_file_beyond() {
    use crate::output::Spool;
    let dir = std::env::temp_dir();
    let n = 10_000;
    let bytes: Vec<u8> = (0..n).map(|i| (i * 7 + i / 251) as u8).collect();
    for direct in [false, true] {
        for (budget, expected, on_disk) in [(1000, n, true), (2 * n, n, false), (6000, 5000, true)]
        {
            let expected = expected as u64;
            let mut s = if direct {
                Spool::new_direct(&dir, budget, expected).unwrap()
            } else {
                Spool::new(&dir, budget, expected).unwrap()
            };
            for piece in bytes.chunks(3000) {
                s.append(piece).unwrap();
            }
            s.finish().unwrap();
            assert_eq!(s.len(), n as u64);
            assert_eq!(
                s.disk_bytes(),
                if on_disk { n as u64 } else { 0 },
                "budget {budget}"
            );
            for (at, len) in [
                (0, n),
                (299, 302),
                (4095, 2),
                (4096, 4096),
                (4000, n - 4000),
                (n - 1, 1),
            ] {
                assert_eq!(
                    &*s.read(at as u64, len).unwrap(),
                    &bytes[at..at + len],
                    "direct {direct}, budget {budget}: {len} bytes at {at}"
                );
            }
        }
    }
}

/// An event reads back from its record as it was written, at the edges of each field.
#[test]
fn a_record_reads_back_as_written() {
    let mut texts = TextsBuilder::default();
    for (at, line, record) in [(0, 1, 0), (i64::MIN + 1, u32::MAX, u32::MAX), (-1, 2, 1)] {
        let mut e = event(&mut texts, "resolved", at, line);
        e.origin.record = record;
        e.origin.file = u16::MAX;
        (e.actor, e.role, e.to_role, e.note) = (1, u32::MAX, 7, 1 << 30);
        let mut bytes = Vec::new();
        store::encode(&e, &mut bytes);
        assert_eq!(bytes.len(), store::RECORD);
        let back = store::decode(&bytes);
        assert_eq!(
            (
                back.at,
                back.origin,
                back.kind,
                back.actor,
                back.role,
                back.to_role,
                back.note
            ),
            (e.at, e.origin, e.kind, e.actor, e.role, e.to_role, e.note)
        );
    }
}

/// Chunks intern their texts on their own; taken into the log's texts, every event reads the
/// texts it was built with, and each distinct text is stored once.
#[test]
fn chunk_texts_map_onto_the_logs_texts() {
    let origin = Origin::default();
    let mut a = TextsBuilder::default();
    let e1 = a.event(
        "escalated",
        1,
        Some("张三"),
        Some("客服专员"),
        Some("客服主管"),
        Some("上报"),
        origin,
        false,
    );
    let mut b = TextsBuilder::default();
    let e2 = b.event(
        "resolved",
        2,
        Some("李四"),
        None,
        None,
        Some("上报"),
        origin,
        false,
    );
    let e3 = b.event(
        "escalated",
        3,
        None,
        Some("客服专员"),
        None,
        None,
        origin,
        true,
    );
    let mut log = TextsBuilder::default();
    let ra = log.absorb(a.finish());
    let rb = log.absorb(b.finish());
    let events = vec![e1.remapped(&ra), e2.remapped(&rb), e3.remapped(&rb)];
    let owned = OwnedEvents::new(events, log);
    let read: Vec<_> = owned
        .events()
        .iter()
        .map(|e| {
            (
                e.kind().to_string(),
                e.actor().map(|s| s.to_string()),
                e.role().map(|s| s.to_string()),
                e.to_role().map(|s| s.to_string()),
                e.note().map(|s| s.to_string()),
                e.derived(),
            )
        })
        .collect();
    let s = |x: &str| Some(x.to_owned());
    assert_eq!(
        read,
        [
            (
                "escalated".into(),
                s("张三"),
                s("客服专员"),
                s("客服主管"),
                s("上报"),
                false
            ),
            ("resolved".into(), s("李四"), None, None, s("上报"), false),
            ("escalated".into(), None, s("客服专员"), None, None, true),
        ]
    );
    // Two kinds, five distinct words (and the blank).
    assert_eq!((owned.texts.kinds.len(), owned.texts.words.len()), (2, 6));
    assert_eq!(std::mem::size_of::<Event>(), 40);
}

/// A complaint's derived events read their stage names and the handler as `resolved`'s actor.
#[test]
fn derived_events_read_stage_names_and_the_handler() {
    let mut c = complaint("A");
    let mut d = crate::model::Dictionaries::default();
    *c.code_slot(crate::model::Field::Handler).unwrap() =
        Some(d.field_mut(crate::model::Field::Handler).code("王师傅"));
    c.times.set(Stage::Received, 10);
    c.times.set(Stage::Resolved, 30);
    let mut owned = OwnedEvents::default();
    owned.snapshot_of(&c, &d);
    let read: Vec<_> = owned
        .events()
        .iter()
        .map(|e| {
            (
                e.kind().to_string(),
                e.at,
                e.actor().map(|s| s.to_string()),
                e.derived(),
            )
        })
        .collect();
    assert_eq!(
        read,
        [
            ("registered".into(), 10, None, true),
            ("resolved".into(), 30, Some("王师傅".into()), true),
        ]
    );
}

/// A pass over the log in order sorts each partition once. After `keep_only`, windows of the
/// kept complaints, in any order, read what was kept and sort nothing; a complaint not kept
/// is still read right, from its partition.
#[test]
fn kept_complaints_are_read_without_sorting_again() {
    let n = 64;
    let complaints: Vec<Complaint> = (0..n).map(|i| complaint(&format!("C{i}"))).collect();
    let mut texts = TextsBuilder::default();
    let pairs: Vec<(u32, Event)> = (0..n as u32 * 3)
        .map(|k| {
            (
                k % n as u32,
                event(&mut texts, "resolved", (k / 7) as Ts, k + 2),
            )
        })
        .collect();
    let index = IdIndex::new(complaints.iter().map(|c| c.id.as_str()));
    let (owners, events) = pairs.into_iter().unzip();
    // Partitions of 4 complaints: 16 of them.
    let mut log = EventLog::from_parts_with(
        &complaints,
        index,
        owners,
        events,
        texts.finish(),
        2,
        usize::MAX,
    );
    let want: Vec<Vec<u32>> = (0..n).map(|i| all_lines(&log, i..i + 1)).collect();
    assert_eq!(log.partitions_sorted(), 16, "one pass in order");
    log.forget_sorted();
    let kept = [63, 5, 40, 6, 0, 17];
    log.keep_only(kept).unwrap();
    let after_keep = log.partitions_sorted();
    assert_eq!(
        after_keep,
        16 + 5,
        "the kept complaints' partitions, once each"
    );
    for &i in kept.iter().rev() {
        assert_eq!(all_lines(&log, i..i + 1), want[i]);
    }
    assert_eq!(
        log.partitions_sorted(),
        after_keep,
        "kept windows sort nothing"
    );
    assert_eq!(all_lines(&log, 30..31), want[30]);
    assert_eq!(
        all_lines(&log, 0..n),
        want.concat(),
        "a window of kept and not kept"
    );
}

/// A chunk's rows are joined to their complaints in a second pass, each looked up some rows
/// ahead of its use: every row of a chunk far longer than that lookahead finds its own
/// complaint, in order; and a row is rejected for the first thing wrong with it in the order
/// the checks have always had (the ID, then the time, then the operation), though the ID is
/// looked up after the others are read.
#[test]
fn a_chunks_rows_find_their_complaints_and_the_first_thing_wrong() {
    use crate::pipeline::ingest::Cells;
    let complaints: Vec<Complaint> = (0..50).map(|k| complaint(&format!("C{k}"))).collect();
    let index = IdIndex::new(complaints.iter().map(|c| c.id.as_str()));
    let ids = Recent::new(&index);
    let received = vec![0; complaints.len()];
    let zone = crate::time::Zone::from_name("Asia/Shanghai").unwrap();
    let columns = Columns {
        id: Some(0),
        at: Some(1),
        kind: Some(2),
        actor: None,
        role: None,
        to_role: None,
        note: None,
    };
    let profile = EventProfile::new(&Default::default());
    let mut rows = row::ChunkRows::default();
    let mut texts = TextsBuilder::default();
    let mut rejects = Rejects::default();
    let mut read = |record: u32, cells: [&str; 3], rejects: &mut Rejects| {
        let mut rec = Cells::default();
        for c in cells {
            rec.push_field(c);
        }
        let origin = Origin {
            file: 1,
            line: record + 1,
            record,
        };
        rows.read(origin, &rec, &columns, &profile, &zone, &mut texts, rejects);
    };
    let owner = |n: u32| (n * 37) % 50;
    for n in 0..200 {
        read(
            n,
            [&format!("C{}", owner(n)), "2026-03-01 10:00", "派单"],
            &mut rejects,
        );
    }
    let bad = [
        (["X1", "not a time", "派单"], "unknown_complaint"),
        (["C3", "not a time", "派单"], "bad_timestamp"),
        (["X2", "2026-03-01 10:00", "跳舞"], "unknown_complaint"),
        (["C4", "2026-03-01 10:00", "跳舞"], "unknown_event_type"),
        (["C5", "not a time", "跳舞"], "bad_timestamp"),
        (["", "2026-03-01 10:00", "派单"], "missing_id"),
    ];
    for (k, (cells, _)) in bad.iter().enumerate() {
        read(200 + k as u32, *cells, &mut rejects);
    }
    read(300, ["C7", "2026-03-02 09:00", "回访"], &mut rejects);
    let as_of = crate::time::parse_timestamp("2027-01-01 00:00", &zone).unwrap();
    let (of, out) = rows.resolve(&ids, &received, &zone, as_of, &mut rejects);
    let expected: Vec<u32> = (0..200).map(owner).chain([7]).collect();
    assert_eq!(of, expected);
    let records: Vec<u32> = out.iter().map(|e| e.origin.record).collect();
    assert_eq!(records, (0..200).chain([300]).collect::<Vec<_>>());
    rejects.sort();
    let got: Vec<(u32, &str)> = rejects
        .issues
        .iter()
        .map(|i| (i.origin.record, i.reason.code()))
        .collect();
    let want: Vec<(u32, &str)> = bad
        .iter()
        .enumerate()
        .map(|(k, (_, code))| (200 + k as u32, *code))
        .collect();
    assert_eq!(got, want);
    assert!(rejects.findings.is_empty(), "{:?}", rejects.findings);
}
