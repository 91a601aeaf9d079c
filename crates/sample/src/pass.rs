//! One pass over the days of the sample: complaints in receipt order, their events, the
//! re-exports and the injected dirty rows, written as they are made.

use super::*;

/// Complaints received in the last three weeks before the first file's
/// export instant are exported again in the second file.
const REEXPORT_WINDOW_DAYS: i64 = 21;

pub(super) struct Pass<'a> {
    opts: &'a SampleOptions,
    cal: &'a Calendar,
    files: &'a [OutFile],
    roster: &'a Roster,
    gen_: Generator<'a>,
    dry: bool,
    injections: Vec<Injection>,
    next_injection: usize,
    /// In-place and event injections waiting for an eligible host.
    waiting: Vec<Injection>,
    extra_seq: Vec<u32>,
    unknown_seq: Vec<u32>,
    aux_counter: u64,
    /// Pending events: a min-heap of packed keys (time, complaint ordinal,
    /// sequence, slab slot) pointing into `slab`, so heap operations compare
    /// and move one `u128` instead of whole events.
    heap: queue::RadixHeap,
    slab: Vec<Option<Ev>>,
    free: Vec<u32>,
    events_out: Option<TableOut>,
    event_row: Row,
    result: PassResult,
    reexport_list: Vec<(u32, u32)>,
    row: Row,
    scratch: Row,
}

impl<'a> Pass<'a> {
    pub(super) fn new(
        opts: &'a SampleOptions,
        cal: &'a Calendar,
        files: &'a [OutFile],
        roster: &'a Roster,
        dry: bool,
    ) -> Self {
        let injections = if opts.dirty {
            // Ordinal of the second file's first complaint (Halves only).
            let split = (files.len() == 2)
                .then(|| cal.days.get(files[1].days.start).map(|d| d.first))
                .flatten();
            dirty::plan(opts.seed, opts.rows as u64, split)
        } else {
            Vec::new()
        };
        Pass {
            opts,
            cal,
            files,
            roster,
            gen_: Generator::new(opts.seed, roster),
            dry,
            injections,
            next_injection: 0,
            waiting: Vec::new(),
            extra_seq: vec![0; cal.months.len()],
            unknown_seq: vec![0; cal.months.len()],
            aux_counter: 0,
            heap: queue::RadixHeap::new(),
            slab: Vec::new(),
            free: Vec::new(),
            events_out: None,
            event_row: Row::with_width(7),
            result: PassResult::default(),
            reexport_list: Vec::new(),
            row: Row::with_width(24),
            scratch: Row::with_width(24),
        }
    }

    fn table_spec(&self, stem: &str, first: bool) -> TableSpec {
        let o = &self.opts.out;
        let f = self.opts.formats;
        TableSpec {
            utf8: f.utf8.then(|| (o.join(format!("{stem}.csv")), first)),
            gbk: f.gbk.then(|| o.join("gbk").join(format!("{stem}.csv"))),
            xlsx: f.xlsx.then(|| XlsxSpec {
                path: o.join("xlsx").join(format!("{stem}.xlsx")),
                sheet: "投诉台账",
                title: format!("投诉台账 {stem}（合成样例数据）"),
                col_types: (0..24)
                    .map(|c| {
                        if vocab::is_time_column(c) {
                            ColType::Time
                        } else if c == vocab::COL_SATISFACTION {
                            ColType::Number
                        } else {
                            ColType::Text
                        }
                    })
                    .collect(),
                widths: complaint_widths(),
                created: self.opts.start,
            }),
        }
    }

    pub(super) fn run(mut self) -> io::Result<PassResult> {
        if self.opts.events && !self.dry {
            let o = &self.opts.out;
            let spec = TableSpec {
                utf8: Some((o.join("events.csv"), true)),
                gbk: None,
                xlsx: self.opts.formats.xlsx.then(|| XlsxSpec {
                    path: o.join("xlsx").join("events.xlsx"),
                    sheet: "操作日志",
                    title: "投诉操作日志（合成样例数据）".to_string(),
                    col_types: (0..7)
                        .map(|c| if c == 1 { ColType::Time } else { ColType::Text })
                        .collect(),
                    widths: vec![16.0, 20.0, 10.0, 10.0, 12.0, 12.0, 40.0],
                    created: self.opts.start,
                }),
            };
            self.events_out = Some(TableOut::open(spec, &EVENT_HEADER)?);
        }
        for fi in 0..self.files.len() {
            let file = self.files[fi].clone();
            let mut table = if self.dry {
                TableOut::null()
            } else {
                TableOut::open(self.table_spec(&file.stem, fi == 0), &COMPLAINT_HEADER)?
            };
            if file.reexports {
                self.write_reexports(&mut table)?;
            }
            let cut = file.cut.unwrap_or(self.cal.end);
            for day in file.days.clone() {
                let times = self.cal.times(self.opts.seed, day);
                for (idx, &t) in times.iter().enumerate() {
                    self.one(fi, &file, cut, day, idx, t, &mut table)?;
                }
            }
            self.result.file_rows.push(table.finish()?);
        }
        // Remaining events (complaints still open at the end).
        while let Some(key) = self.heap.pop() {
            let e = self.take_event(key);
            self.write_event(e)?;
        }
        if let Some(t) = self.events_out.take() {
            t.finish()?;
        }
        Ok(self.result)
    }

    fn complaint(&self, day: usize, idx: usize, t: NaiveDateTime) -> Complaint {
        let d = &self.cal.days[day];
        let ordinal = d.first + idx as u64;
        let mut rng = Rng::keyed(self.opts.seed, &[TAG_COMPLAINT, ordinal]);
        let ym = self.cal.months[d.month].ym;
        let mut c = self
            .gen_
            .complaint(ordinal, ym, d.seq_base + idx as u32 + 1, t, &mut rng);
        c.channel = self.opts.flavour.channel(c.channel);
        c
    }

    #[allow(clippy::too_many_arguments)]
    fn one(
        &mut self,
        fi: usize,
        file: &OutFile,
        cut: NaiveDateTime,
        day: usize,
        idx: usize,
        t: NaiveDateTime,
        table: &mut TableOut,
    ) -> io::Result<()> {
        let c = self.complaint(day, idx, t);
        let month = self.cal.days[day].month;
        // Injections whose host is this complaint join the waiting list.
        while self.next_injection < self.injections.len()
            && self.injections[self.next_injection].host <= c.ordinal
        {
            self.waiting.push(self.injections[self.next_injection]);
            self.next_injection += 1;
        }

        let reexported = file.cut.is_some_and(|cut| {
            c.receipt() >= cut - Duration::days(REEXPORT_WINDOW_DAYS) || c.last_stage() > cut
        });

        if self.opts.events {
            self.events_of(&c, month)?;
        }

        let mut row = std::mem::take(&mut self.row);
        render(&c, cut, self.roster, &mut row);
        let mut applied_in_place = Vec::new();
        // At most one finding per complaint, and none on a complaint that also
        // gets a duplicate row (the duplicate would repeat the finding), so
        // every case is counted once in the files.
        let has_extra = self
            .waiting
            .iter()
            .any(|w| w.kind.placement() == Placement::Extra);
        if !reexported && !has_extra {
            let pos = self.waiting.iter().position(|&inj| {
                inj.kind.placement() == Placement::InPlace && self.in_place(inj, &c, &mut row)
            });
            if let Some(i) = pos {
                applied_in_place.push(self.waiting.remove(i).kind);
            }
        }
        table.write_row(&row.cells)?;
        let line = table.rows + 1;
        for kind in applied_in_place {
            self.note(
                kind,
                Location::Row {
                    file: fi,
                    line,
                    id: c.id(),
                },
            );
        }
        if reexported {
            self.reexport_list.push((day as u32, idx as u32));
            if c.receipt() < cut - Duration::days(REEXPORT_WINDOW_DAYS) {
                self.result.reexports.open_older += 1;
            }
        }

        // Extra rows right after the host.
        let mut i = 0;
        while i < self.waiting.len() {
            let inj = self.waiting[i];
            if inj.kind.placement() == Placement::Extra {
                self.waiting.remove(i);
                let extra = self.extra_row(inj, &c, &row, cut, month);
                table.write_row(&extra.cells)?;
                let id = extra.cells[0].clone();
                self.note(
                    inj.kind,
                    Location::Row {
                        file: fi,
                        line: table.rows + 1,
                        id,
                    },
                );
            } else {
                i += 1;
            }
        }
        self.row = row;
        Ok(())
    }

    fn note(&mut self, kind: DirtyKind, loc: Location) {
        self.result.dirty.entry(kind).or_default().push(loc);
    }

    /// Alters the host's row for a data-quality finding, if the row has the
    /// stages the finding needs. Events keep the true instants.
    fn in_place(&self, inj: Injection, c: &Complaint, row: &mut Row) -> bool {
        let cells = &mut row.cells;
        let mut rng = Rng::keyed(self.opts.seed, &[TAG_INJECT, c.ordinal, inj.kind as u64]);
        let has = |cells: &Vec<String>, col: usize| !cells[col].is_empty();
        match inj.kind {
            DirtyKind::DoneBeforeReceipt => {
                if !has(cells, 5) {
                    return false;
                }
                let t = c.receipt() - Duration::hours(rng.range(26, 72));
                cells[5] = fmt_time(t, c.style);
                true
            }
            DirtyKind::StageGap => {
                let done_gap = has(cells, 5) && has(cells, 7);
                let dispatch_gap = has(cells, 3) && has(cells, 4);
                if done_gap && (inj.variant.is_multiple_of(2) || !dispatch_gap) {
                    cells[5].clear();
                    true
                } else if dispatch_gap {
                    cells[3].clear();
                    true
                } else {
                    false
                }
            }
            DirtyKind::FutureStage => {
                if !has(cells, 8) {
                    return false;
                }
                let t = self.cal.end
                    + Duration::days(rng.range(5, 40))
                    + Duration::minutes(rng.range(540, 1080));
                cells[8] = fmt_time(t, Style::Std);
                true
            }
            _ => false,
        }
    }

    /// Builds a dirty extra row for `inj` next to host `c`.
    fn extra_row(
        &mut self,
        inj: Injection,
        c: &Complaint,
        host_row: &Row,
        cut: NaiveDateTime,
        month: usize,
    ) -> Row {
        let mut rng = Rng::keyed(self.opts.seed, &[TAG_INJECT, c.ordinal, inj.kind as u64, 1]);
        match inj.kind {
            DirtyKind::ExactDuplicate => return host_row.clone(),
            DirtyKind::ConflictingDuplicate => {
                // An earlier snapshot of the same complaint keyed in again with
                // the wrong project: less advanced, so the host row wins.
                let snap = c.stages[DISPATCH]
                    .or(c.stages[1])
                    .unwrap_or(c.receipt())
                    .min(cut);
                let mut row = Row::default();
                render(c, snap, self.roster, &mut row);
                let other = (c.project + 1 + rng.index(PROJECTS.len() - 1)) % PROJECTS.len();
                let p = &PROJECTS[other];
                row.set(9, p.name);
                let b = rng.range(1, p.buildings as i64);
                row.set(
                    10,
                    &format!("{}{}{}", p.building_prefix, b, p.building_suffix),
                );
                return row;
            }
            DirtyKind::EmptyRow => return Row::with_width(24),
            _ => {}
        }
        // A fresh complaint, numbered after the month's regular ones.
        self.aux_counter += 1;
        let mut arng = Rng::keyed(self.opts.seed, &[TAG_AUX, self.aux_counter]);
        self.extra_seq[month] += 1;
        let seq = self.cal.months[month].total + self.extra_seq[month];
        let t = nudge(c.receipt(), &mut arng, self.cal);
        let aux = self
            .gen_
            .complaint(u64::MAX / 2 + self.aux_counter, c.ym, seq, t, &mut arng);
        let mut row = std::mem::take(&mut self.scratch);
        render(&aux, cut, self.roster, &mut row);
        let year = t.year();
        match inj.kind {
            DirtyKind::MissingId => row.cells[0].clear(),
            DirtyKind::MissingReceipt => row.cells[1].clear(),
            DirtyKind::UnparseableTime => {
                if inj.variant.is_multiple_of(2) {
                    row.set(1, "昨天下午");
                } else {
                    row.set(2, &format!("{year}-13-45 25:61"));
                }
            }
            DirtyKind::ExcelError => {
                if inj.variant.is_multiple_of(2) {
                    row.set(1, "#N/A");
                } else {
                    row.set(9, "#N/A");
                }
            }
            DirtyKind::Ragged => row.cells.push("（补录）业主来电催办".to_string()),
            DirtyKind::ImplausibleTime => match inj.variant % 3 {
                0 => row.set(1, "1900-01-01 00:00:00"),
                1 => {
                    let mut s = fmt_time(aux.receipt(), Style::Std);
                    s.replace_range(0..4, "2099");
                    row.set(1, &s);
                }
                _ => row.set(8, "2099-12-31 00:00:00"),
            },
            DirtyKind::BadSatisfaction => {
                row.set(
                    20,
                    if inj.variant.is_multiple_of(2) {
                        "很好啊"
                    } else {
                        "150"
                    },
                );
            }
            _ => {}
        }
        let out = row.clone();
        self.scratch = row;
        out
    }

    /// Builds `c`'s events, applies event injections, and streams every event
    /// earlier than `c`'s receipt (nothing later can precede them).
    fn events_of(&mut self, c: &Complaint, month: usize) -> io::Result<()> {
        let mut evs = events::build(c, self.roster, self.opts.seed, self.opts.flavour);
        let mut i = 0;
        while i < self.waiting.len() {
            let inj = self.waiting[i];
            if inj.kind.placement() != Placement::Event {
                i += 1;
                continue;
            }
            let mut rng = Rng::keyed(self.opts.seed, &[TAG_INJECT, c.ordinal, inj.kind as u64, 2]);
            let ok = match inj.kind {
                DirtyKind::EventUnknownId => {
                    self.unknown_seq[month] += 1;
                    let seq = self.cal.months[month].total + 5000 + self.unknown_seq[month];
                    let mut e = evs[0].clone();
                    e.id_seq = seq;
                    e.ty = EvType::Followup;
                    e.seq = 200;
                    e.time += Duration::minutes(rng.range(3, 90));
                    e.actor = self.roster.rep(&mut rng);
                    e.remark = "回访记录".into();
                    e.dirty = Some(inj.kind);
                    evs.push(e);
                    true
                }
                DirtyKind::EventImpossibleTime => {
                    match evs.iter_mut().rev().find(|e| e.ty != EvType::Register) {
                        Some(e) => {
                            e.time_text = Some(format!("{}-02-30 10:00:00", e.time.year()));
                            e.dirty = Some(inj.kind);
                            true
                        }
                        None => false,
                    }
                }
                DirtyKind::EventBeforeReceipt => {
                    let receipt = c.receipt();
                    match evs
                        .iter_mut()
                        .find(|e| matches!(e.ty, EvType::Dispatch | EvType::Accept))
                    {
                        Some(e) => {
                            let early = receipt - Duration::days(rng.range(2, 5));
                            e.time_text = Some(fmt_time(early, Style::Std));
                            e.dirty = Some(inj.kind);
                            true
                        }
                        None => false,
                    }
                }
                _ => false,
            };
            if ok {
                // One dirty event per complaint, so no event is altered twice.
                self.waiting.remove(i);
                break;
            }
            i += 1;
        }
        // Events after the data end have not happened yet.
        let end = self.cal.end;
        evs.retain(|e| e.time <= end);
        if self.dry {
            self.result.events += evs.len();
            return Ok(());
        }
        let receipt = c.receipt();
        let bound = (time_key(receipt) as u128) << 88;
        while let Some(key) = self.heap.pop_below(bound) {
            let e = self.take_event(key);
            self.write_event(e)?;
        }
        for e in evs {
            let key = ((time_key(e.time) as u128) << 88)
                | (((e.ordinal & 0xFFFF_FFFF_FFFF) as u128) << 40)
                | ((e.seq as u128) << 32);
            let slot = match self.free.pop() {
                Some(i) => {
                    self.slab[i as usize] = Some(e);
                    i
                }
                None => {
                    self.slab.push(Some(e));
                    (self.slab.len() - 1) as u32
                }
            };
            self.heap.push(key | slot as u128);
        }
        Ok(())
    }

    fn take_event(&mut self, key: u128) -> Ev {
        let slot = key as u32;
        self.free.push(slot);
        self.slab[slot as usize].take().expect("queued event")
    }

    fn write_event(&mut self, e: Ev) -> io::Result<()> {
        let row = &mut self.event_row;
        row.reset(7);
        complaint::push_id(&mut row.cells[0], e.ym, e.id_seq);
        match &e.time_text {
            Some(t) => row.cells[1].push_str(t),
            None => timefmt::push_time(&mut row.cells[1], e.time, Style::Std),
        }
        row.cells[2].push_str(e.ty.name());
        row.cells[3].push_str(self.roster.name(e.actor));
        row.cells[4].push_str(self.roster.role(e.actor).name());
        row.cells[5].push_str(e.to);
        row.cells[6].push_str(&e.remark);
        if let Some(out) = &mut self.events_out {
            out.write_row(&row.cells)?;
        }
        self.result.events += 1;
        if let Some(kind) = e.dirty {
            let line = self.result.events + 1;
            self.note(kind, Location::Event { line, id: e.id() });
        }
        Ok(())
    }

    /// Writes the second file's re-exports: the first file's complaints that
    /// were still open at its export or arrived in its last three weeks, now
    /// as known at the data end.
    fn write_reexports(&mut self, table: &mut TableOut) -> io::Result<()> {
        let list = std::mem::take(&mut self.reexport_list);
        let mut cached: Option<(u32, Vec<NaiveDateTime>)> = None;
        let mut row = Row::with_width(24);
        for &(day, idx) in &list {
            if cached.as_ref().is_none_or(|(d, _)| *d != day) {
                cached = Some((day, self.cal.times(self.opts.seed, day as usize)));
            }
            let t = cached
                .as_ref()
                .map(|(_, v)| v[idx as usize])
                .unwrap_or_default();
            let c = self.complaint(day as usize, idx as usize, t);
            render(&c, self.cal.end, self.roster, &mut row);
            table.write_row(&row.cells)?;
            let r = &mut self.result.reexports;
            r.count += 1;
            if r.examples.len() < 5 {
                r.examples.push(format_id(c.ym, c.seq));
            }
        }
        self.result.dirty.entry(DirtyKind::Reexport).or_default();
        Ok(())
    }
}
