use super::*;

fn event(kind: &str, at: Ts, line: u32) -> Event {
    Event {
        kind: Str::from(kind),
        at,
        actor: None,
        role: None,
        to_role: None,
        note: None,
        origin: Origin {
            file: 1,
            line,
            record: line - 1,
        },
        derived: false,
    }
}

fn complaint(id: &str) -> Complaint {
    Complaint {
        id: Str::from(id),
        ..Complaint::default()
    }
}

fn lines(events: &[Event]) -> Vec<u32> {
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
        let pairs: Vec<(u32, Event)> = (0..n as u32 * 3)
            .map(|k| {
                let c = (next() % n as u64) as u32;
                (c, event("resolved", (next() % 5) as Ts, k + 2))
            })
            .collect();
        let mut want = pairs.clone();
        want.sort_by_key(|p| (p.0, p.1.at, p.1.origin));
        let index = IdIndex::new(complaints.iter().map(|c| c.id.as_str()));
        let log = EventLog::from_pairs(&complaints, index, pairs);
        assert_eq!(
            lines(log.all()),
            lines(&want.iter().map(|p| p.1.clone()).collect::<Vec<_>>()),
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
    let pairs = vec![
        (2, event("dispatched", 50, 2)),
        (0, event("registered", 10, 3)),
        (2, event("registered", 5, 4)),
        (0, event("resolved", 30, 5)),
        (0, event("acknowledged", 20, 6)),
        (0, event("note", 20, 7)),
    ];
    let index = IdIndex::new(complaints.iter().map(|c| c.id.as_str()));
    let mut log = EventLog::from_pairs(&complaints, index, pairs);
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
