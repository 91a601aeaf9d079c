use super::*;

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
        id: Str::from(id),
        ..Complaint::default()
    }
}

fn lines(events: Events<'_>) -> Vec<u32> {
    events.iter().map(|e| e.origin.line).collect()
}

/// Enough complaints for buckets of several complaints each, events in a scrambled order
/// with repeated times: the two grouping passes give the order of one sort of the whole
/// log by (complaint, time, origin).
#[test]
fn grouping_in_buckets_matches_one_sort_of_the_whole_log() {
    for n in [1usize, 7, 1024, 1025, 5000] {
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
        let log = EventLog::from_parts(&complaints, index, owners, events, texts.finish());
        assert_eq!(
            lines(log.all()),
            want.iter().map(|p| p.1.origin.line).collect::<Vec<_>>(),
            "{n} complaints"
        );
        let mut counts = vec![0usize; n];
        for (w, _) in &want {
            counts[*w as usize] += 1;
        }
        for (i, c) in complaints.iter().enumerate() {
            assert_eq!(log.at(i).len(), counts[i]);
            assert_eq!(log.of(&c.id).len(), counts[i]);
        }
    }
}

/// A log in time order across complaints, with ties: each complaint gets its events in
/// time order, equal times in log order, whether looked up by position or by ID.
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
    assert_eq!(lines(log.at(0)), [3, 6, 7, 5]);
    assert!(log.at(1).is_empty());
    assert_eq!(lines(log.at(2)), [4, 2]);
    assert_eq!(lines(log.of("A")), [3, 6, 7, 5]);
    assert!(log.of("B").is_empty());
    assert_eq!(lines(log.of("C")), [4, 2]);
    // After classify drops B, positions follow the remaining complaints.
    log.align(&[complaints[0].clone(), complaints[2].clone()]);
    assert_eq!(lines(log.at(0)), [3, 6, 7, 5]);
    assert_eq!(lines(log.at(1)), [4, 2]);
    assert_eq!(log.all().len(), 6);
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
    c.handler = Some(Str::from("王师傅"));
    c.times.set(Stage::Received, 10);
    c.times.set(Stage::Resolved, 30);
    let mut owned = OwnedEvents::default();
    owned.snapshot_of(&c);
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
