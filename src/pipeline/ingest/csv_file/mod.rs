//! CSV parsing: RFC 4180 with quoted fields that may hold commas, quotes and line breaks.
//! Each record keeps the line on which it starts, so rejects point at the right place even
//! after a multi-line complaint text; and a text can be split into chunks that parse
//! independently ([`split`]).

use rayon::prelude::*;

pub use crate::model::Lines;

pub(super) mod runaway;
mod scan;

/// A record's cells as text. Like `csv::StringRecord`, but filled without checking UTF-8 a
/// second time: the csv reader only ever reads a `&str` here (every block is validated, in
/// parallel, when it is decoded), and a field of valid UTF-8 cut at ASCII delimiters, with
/// ASCII quotes removed, is valid UTF-8. Checking every record again was an eighth of
/// normalize. The only ways to fill it are that reader and `&str`s.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cells(csv::ByteRecord);

impl Cells {
    /// Cell `i`, if the record has that many.
    pub fn get(&self, i: usize) -> Option<&str> {
        // SAFETY: the record only ever holds valid UTF-8 (see the type's docs).
        self.0
            .get(i)
            .map(|b| unsafe { std::str::from_utf8_unchecked(b) })
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True without cells.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The cells in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        // SAFETY: as in `get`.
        self.0
            .iter()
            .map(|b| unsafe { std::str::from_utf8_unchecked(b) })
    }

    /// Keeps the first `n` cells.
    pub fn truncate(&mut self, n: usize) {
        self.0.truncate(n);
    }

    /// Removes every cell.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// Appends a cell.
    pub fn push_field(&mut self, cell: &str) {
        self.0.push_field(cell.as_bytes());
    }

    fn position(&self) -> Option<&csv::Position> {
        self.0.position()
    }
}

impl std::ops::Index<usize> for Cells {
    type Output = str;
    fn index(&self, i: usize) -> &str {
        self.get(i).expect("cell index in range")
    }
}

impl<S: AsRef<str>> From<Vec<S>> for Cells {
    fn from(cells: Vec<S>) -> Cells {
        let mut c = Cells::default();
        for s in &cells {
            c.push_field(s.as_ref());
        }
        c
    }
}

/// `cell.trim()`, without decoding characters when neither end can be white space: a cell
/// whose first byte cannot start a white-space character and whose last byte cannot end one
/// is returned as it is. Every cell of every record is trimmed; through the decoding trim this
/// was 2-4 % of the event stage.
#[inline]
pub fn trim_cell(cell: &str) -> &str {
    // The white-space characters (`char::is_whitespace`) are the ASCII ones up to the space,
    // U+0085, U+00A0 (`C2 85`, `C2 A0`), U+1680 (`E1 9A 80`), U+2000-U+200A (`E2 80 80`-`8A`),
    // U+2028, U+2029, U+202F (`E2 80 A8`, `A9`, `AF`), U+205F (`E2 81 9F`) and U+3000
    // (`E3 80 80`).
    let may_start = |b: u8| b <= b' ' || matches!(b, 0xC2 | 0xE1 | 0xE2 | 0xE3);
    let may_end = |b: u8| b <= b' ' || matches!(b, 0x80..=0x8A | 0x9F | 0xA0 | 0xA8 | 0xA9 | 0xAF);
    match cell.as_bytes() {
        [] => cell,
        [first, .., last] | [first @ last] if !may_start(*first) && !may_end(*last) => cell,
        _ => cell.trim(),
    }
}

/// One of a file's first rows, for finding the header.
pub(super) struct Lead {
    /// 1-based line where the record starts.
    pub line: u32,
    /// The cells.
    pub cells: Vec<String>,
}

/// The first `n` records of a text.
pub(super) fn leading_rows(text: &str, n: usize) -> Vec<Lead> {
    let mut out = Vec::new();
    for_each_item(text, 1, |line, item| {
        let cells = match item {
            Item::Record(rec) => rec.iter().map(str::to_owned).collect(),
            // Not a header: a row whose quote ran away.
            Item::Runaway(_) => Vec::new(),
        };
        out.push(Lead { line, cells });
        out.len() < n
    });
    out
}

/// Calls `f` with the starting line and the cells of every record of `text`, which starts at
/// a record boundary on line `first_line` (records cut short by a runaway quote are left out:
/// see [`for_each_item`]).
#[cfg(test)]
pub(super) fn for_each_record(text: &str, first_line: u32, mut f: impl FnMut(u32, &mut Cells)) {
    for_each_item(text, first_line, |line, item| {
        if let Item::Record(rec) = item {
            f(line, rec);
        }
        true
    });
}

/// What the record loop hands on.
pub(super) enum Item<'a> {
    /// A record.
    Record(&'a mut Cells),
    /// A record whose quoted field ran away (see [`runaway::Runaway`]): it is not read; the
    /// reading went on at the line after the quote's.
    Runaway(runaway::Runaway),
}

/// Calls `f` with the starting line of every record of `text` (which starts at a record
/// boundary on line `first_line`) and the record, or the runaway quote that cut it short.
/// Returns how the text's physical lines were used.
///
/// A quoted field that reaches the end of the text without closing, closes only after
/// [`runaway::MAX_QUOTED_LINES`] lines or [`runaway::MAX_QUOTED_BYTES`] bytes, or spans lines
/// and closes with a quote that is not followed by a delimiter, is a stray quote that would
/// swallow the rows after it: the record is handed on as [`Item::Runaway`] and reading starts
/// again at the line after the one the quote opened on, so no row after it is lost.
///
/// `f` returns false to stop (the line counts are then of the text read so far).
///
/// Records on one plain line (no quote, no carriage return but the terminator's: nearly every
/// record of an export) are cut in one pass ([`scan::plain_line`]). Records that fit on one
/// line and quote whole fields closed on that line are cut here too ([`simple_record`]). Any
/// other record (a text over several lines, a stray quote, a lone carriage return) goes to the
/// csv reader ([`for_each_item_from`]), which reads it as it reads any record, and hands back at
/// the next plain line. The reader's path costs more per record than a direct cut: its state
/// machine, a copy into the record, and three newline scans per record for its line number and
/// the blank lines before it. On the 1 M `full` job normalize went from 1.69 to 1.33 s, the event stage
/// from 3.6 to 2.7 s.
pub(super) fn for_each_item(
    text: &str,
    first_line: u32,
    mut f: impl FnMut(u32, Item<'_>) -> bool,
) -> Lines {
    let bytes = text.as_bytes();
    let mut lines = Lines::default();
    let mut rec = Cells::default();
    let mut pos = 0usize;
    let mut line = first_line;
    while pos < bytes.len() {
        if let Some(plain) = scan::plain_line(&bytes[pos..], &mut rec) {
            lines.physical += 1;
            if plain.content == 0 {
                // A blank line (the csv reader skips it too).
                lines.blank += 1;
            } else {
                lines.in_records += 1;
                if !f(line, Item::Record(&mut rec)) {
                    return lines;
                }
            }
            pos += plain.next;
            line = line.saturating_add(1);
            continue;
        }
        let (end, next) = match memchr::memchr(b'\n', &bytes[pos..]) {
            Some(k) => (pos + k, pos + k + 1),
            // A last line without a break: the csv reader also checks it for a runaway quote,
            // and counts a lone carriage return there as no line, so those go to it.
            None if memchr::memchr2(b'"', b'\r', &bytes[pos..]).is_some() => (pos, pos),
            None => (bytes.len(), bytes.len()),
        };
        let content = &bytes[pos..end];
        let content = content.strip_suffix(b"\r").unwrap_or(content);
        if next == pos {
            // Not for this loop (above).
        } else if content.is_empty() {
            // A blank line (the csv reader skips it too).
            lines.physical += 1;
            lines.blank += 1;
            pos = next;
            line = line.saturating_add(1);
            continue;
        } else if simple_record(content, &mut rec) {
            lines.physical += 1;
            lines.in_records += 1;
            if !f(line, Item::Record(&mut rec)) {
                return lines;
            }
            pos = next;
            line = line.saturating_add(1);
            continue;
        }
        let (read, resume) = for_each_item_from(text, pos, line, &mut f, true);
        lines += read;
        match resume {
            Some((p, l)) => (pos, line) = (p, l),
            None => break,
        }
    }
    lines
}

/// True when the line at the start of `rest` is one [`for_each_item`] reads itself: no quote,
/// no carriage return but its terminator's.
fn plain_line(rest: &[u8]) -> bool {
    let line = memchr::memchr(b'\n', rest).map_or(rest, |k| &rest[..k]);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    memchr::memchr2(b'"', b'\r', line).is_none()
}

/// Reads `content` (one line without its terminator, not empty) into `rec` when the csv reader
/// would read it as one record the same way: fields cut at commas, a field that starts with a
/// quote ending with a quote followed by a comma or the line's end (doubled quotes inside),
/// no other quote and no carriage return. Returns false, with `rec` in any state, otherwise.
fn simple_record(content: &[u8], rec: &mut Cells) -> bool {
    rec.0.clear();
    let mut i = 0;
    loop {
        if content.get(i) == Some(&b'"') {
            // A quoted field: to its closing quote, unescaping doubled ones (copied only
            // then).
            let mut unescaped: Option<Vec<u8>> = None;
            let mut from = i + 1;
            let close = loop {
                match memchr::memchr2(b'"', b'\r', &content[from..]) {
                    Some(k) if content[from + k] == b'"' => {
                        let q = from + k;
                        if content.get(q + 1) == Some(&b'"') {
                            unescaped
                                .get_or_insert_with(Vec::new)
                                .extend_from_slice(&content[from..=q]);
                            from = q + 2;
                        } else {
                            break q;
                        }
                    }
                    // A carriage return, or no closing quote on this line.
                    _ => return false,
                }
            };
            match &mut unescaped {
                Some(u) => {
                    u.extend_from_slice(&content[from..close]);
                    rec.0.push_field(u);
                }
                None => rec.0.push_field(&content[i + 1..close]),
            }
            match content.get(close + 1) {
                None => return true,
                Some(b',') => i = close + 2,
                Some(_) => return false,
            }
        } else {
            match memchr::memchr3(b',', b'"', b'\r', &content[i..]) {
                None => {
                    rec.0.push_field(&content[i..]);
                    return true;
                }
                Some(k) if content[i + k] == b',' => {
                    rec.0.push_field(&content[i..i + k]);
                    i += k + 1;
                }
                Some(_) => return false,
            }
        }
        if i == content.len() {
            // A trailing comma: one more, empty, field.
            rec.0.push_field(b"");
            return true;
        }
    }
}

/// [`for_each_item`] with the csv reader, from `from` (a record boundary on line
/// `first_line`) to the end of `text`; or, with `hand_back`, to the first plain line
/// ([`plain_line`]) after a record, whose position and line number it returns. (Without
/// `hand_back` it is the csv reader alone: the tests' reference for [`for_each_item`].)
fn for_each_item_from(
    text: &str,
    from: usize,
    first_line: u32,
    mut f: impl FnMut(u32, Item<'_>) -> bool,
    hand_back: bool,
) -> (Lines, Option<(usize, u32)>) {
    let bytes = text.as_bytes();
    let mut lines = Lines::default();
    // Where the current reader starts; moved past a runaway quote's line to resync.
    let mut base = from;
    // Newlines before `counted`, and where the last record's content ended.
    let (mut newlines, mut counted) = (0usize, from);
    let mut gap_from = from;
    let mut first_record = true;
    // The line the previous record's content ended on: a lone carriage return ends a record
    // for the csv reader without starting a line, and the next record's first line is then
    // counted already.
    let mut last_end_line = 0usize;
    let mut rec = Cells::default();
    'readers: while base < bytes.len() {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(&bytes[base..]);
        // The text is valid UTF-8 and the reader is flexible, and reading from a slice cannot
        // fail, so the reader never errors; stop if it ever did.
        while let Ok(true) = rdr.read_byte_record(&mut rec.0) {
            let mut start = rec.position().map_or(counted, |p| base + p.byte() as usize);
            // Skip the line terminator the reader left in front of the record.
            while start < bytes.len() && (bytes[start] == b'\n' || bytes[start] == b'\r') {
                start += 1;
            }
            newlines += memchr::memchr_iter(b'\n', &bytes[counted.min(start)..start]).count();
            counted = counted.max(start);
            let line = u32::try_from(newlines + first_line as usize).unwrap_or(u32::MAX);
            // Lines between the previous record and this one, less the previous record's own
            // terminator, were blank.
            let gap = memchr::memchr_iter(b'\n', &bytes[gap_from.min(start)..start]).count();
            lines.blank += (gap - usize::from(!first_record).min(gap)) as u64;
            first_record = false;
            let end = base + rdr.position().byte() as usize;
            let content_end = trim_terminator(bytes, start, end);
            let spans_lines = memchr::memchr(b'\n', &bytes[start..content_end]).is_some();
            let runaway = if spans_lines || end >= bytes.len() {
                runaway::find(bytes, start, content_end, line)
            } else {
                None
            };
            if let Some(r) = runaway {
                // Resync at the line after the quote's: the record ends with that line.
                let resync =
                    memchr::memchr(b'\n', &bytes[r.open..]).map_or(bytes.len(), |p| r.open + p + 1);
                let content_end = trim_terminator(bytes, start, resync);
                lines.in_records +=
                    record_lines(bytes, start, content_end, newlines, &mut last_end_line);
                gap_from = content_end;
                base = resync;
                if !f(line, Item::Runaway(r)) {
                    break 'readers;
                }
                continue 'readers;
            }
            lines.in_records +=
                record_lines(bytes, start, content_end, newlines, &mut last_end_line);
            gap_from = content_end;
            if !f(line, Item::Record(&mut rec)) {
                break 'readers;
            }
            // The record's line break (not a lone carriage return, which would leave the next
            // record on this line), then a plain line: back to the caller.
            let next = match &bytes[content_end..] {
                [b'\n', ..] => content_end + 1,
                [b'\r', b'\n', ..] => content_end + 2,
                _ => continue,
            };
            if hand_back && next < bytes.len() && plain_line(&bytes[next..]) {
                let seen = memchr::memchr_iter(b'\n', &bytes[from..next]).count();
                lines.physical = seen as u64;
                let line = u32::try_from(seen + first_line as usize).unwrap_or(u32::MAX);
                return (lines, Some((next, line)));
            }
        }
        break;
    }
    lines.physical = memchr::memchr_iter(b'\n', &bytes[from..]).count() as u64
        + u64::from(bytes.len() > from && !bytes.ends_with(b"\n"));
    // After the last record: its terminator, then blank lines.
    let tail = memchr::memchr_iter(b'\n', &bytes[gap_from.min(bytes.len())..]).count();
    lines.blank += (tail - usize::from(!first_record).min(tail)) as u64;
    (lines, None)
}

/// The physical lines a record adds: the lines its content spans, less its first line when
/// the previous record ended on it (records split by a lone carriage return share a line).
/// `newlines` counts the line breaks before `start`; `last_end_line` is updated.
fn record_lines(
    bytes: &[u8],
    start: usize,
    content_end: usize,
    newlines: usize,
    last_end_line: &mut usize,
) -> u64 {
    let inside = memchr::memchr_iter(b'\n', &bytes[start..content_end.max(start)]).count();
    // Lines are numbered from 1 here, so 0 means "no record yet".
    let first = newlines + 1;
    let shared = usize::from(first == *last_end_line);
    *last_end_line = first + inside;
    (1 + inside - shared) as u64
}

/// The end of a record's content: `end` less the line terminator the reader consumed.
fn trim_terminator(bytes: &[u8], start: usize, end: usize) -> usize {
    let mut e = end.min(bytes.len());
    while e > start && matches!(bytes[e - 1], b'\n' | b'\r') {
        e -= 1;
    }
    e
}

/// Cuts `bytes[start..]` into pieces of about `target` bytes that each begin at a record
/// boundary: the byte after a line break outside quoted fields. Returns the boundaries, from
/// `start` to `bytes.len()`, or `None` when the quoting is not RFC 4180 (then the text must be
/// parsed in one piece).
///
/// Each tentative cut is moved to just after the next `\n`; whether that `\n` is inside a
/// quoted field follows from the parity of the quotes before it, counted per piece in
/// parallel. Parity equals the csv reader's state exactly when every quote opens a field
/// (after `,`, a line break or at the start), closes one (before `,`, a line break or the end)
/// or is doubled inside one; that is checked too, in parallel.
pub(super) fn split(bytes: &[u8], start: usize, target: usize) -> Option<Vec<usize>> {
    let len = bytes.len();
    let pieces = (len - start.min(len)) / target.max(1);
    if pieces < 2 {
        return Some(vec![start, len]);
    }
    // Tentative cuts, each just after a line break.
    let mut cuts = vec![start];
    for k in 1..pieces {
        let at = start + k * (len - start) / pieces;
        let Some(nl) = memchr::memchr(b'\n', &bytes[at.max(*cuts.last().expect("start"))..]) else {
            break;
        };
        let cut = at.max(*cuts.last().expect("start")) + nl + 1;
        if cut < len && cut > *cuts.last().expect("start") {
            cuts.push(cut);
        }
    }
    cuts.push(len);
    cuts.dedup();
    // Quotes in each piece: their parity gives the state at each cut.
    let quotes: Vec<usize> = cuts
        .par_windows(2)
        .map(|w| memchr::memchr_iter(b'"', &bytes[w[0]..w[1]]).count())
        .collect();
    let mut inside = Vec::with_capacity(quotes.len());
    let mut q = false;
    for n in &quotes {
        inside.push(q);
        q ^= n % 2 == 1;
    }
    // Check the quoting, each piece from its known state. A piece without quotes is well
    // formed from either state: not scanned again (an export without quoted cells, such as
    // an event log, is then read once here instead of twice).
    let well_formed = cuts
        .par_windows(2)
        .zip(inside.par_iter().zip(&quotes))
        .all(|(w, (&q, &n))| n == 0 || quotes_well_formed(bytes, w[0], w[1], q, start));
    if !well_formed {
        return None;
    }
    // Move each cut that fell inside a quoted field to the next line break outside one.
    let mut bounds = vec![start];
    for (k, &cut) in cuts.iter().enumerate().skip(1) {
        if cut >= len {
            break;
        }
        let b = if inside[k] {
            match next_boundary_outside_quotes(bytes, cut) {
                Some(b) => b,
                None => continue,
            }
        } else {
            cut
        };
        if b > *bounds.last().expect("start") && b < len {
            bounds.push(b);
        }
    }
    bounds.push(len);
    bounds.dedup();
    Some(bounds)
}

/// True when the quoting of `bytes[..to]`, which starts at a record boundary, is RFC 4180 (so
/// quote parity tells where records end).
pub(super) fn quotes_ok(bytes: &[u8], to: usize) -> bool {
    quotes_well_formed(bytes, 0, to, false, 0)
}

/// The byte after the first `\n` outside quotes, scanning from `from`, which is inside a
/// quoted field.
fn next_boundary_outside_quotes(bytes: &[u8], from: usize) -> Option<usize> {
    let mut inside = true;
    for i in memchr::memchr2_iter(b'"', b'\n', &bytes[from..]) {
        let i = from + i;
        if bytes[i] == b'"' {
            inside = !inside;
        } else if !inside {
            return Some(i + 1);
        }
    }
    None
}

/// True when every quote in `bytes[from..to]` is used as RFC 4180 says, starting `inside` a
/// quoted field or not. `text_start` is where records begin (a quote there opens a field).
fn quotes_well_formed(
    bytes: &[u8],
    from: usize,
    to: usize,
    mut inside: bool,
    text_start: usize,
) -> bool {
    let mut it = memchr::memchr_iter(b'"', &bytes[from..to])
        .map(|i| from + i)
        .peekable();
    while let Some(i) = it.next() {
        if inside {
            // A doubled quote stays inside; a single one must end the field.
            if bytes.get(i + 1) == Some(&b'"') {
                it.next();
                continue;
            }
            if !matches!(bytes.get(i + 1), None | Some(b',' | b'\r' | b'\n')) {
                return false;
            }
            inside = false;
        } else {
            if i != text_start && !matches!(bytes[i - 1], b',' | b'\r' | b'\n') {
                return false;
            }
            inside = true;
        }
    }
    true
}

#[cfg(test)]
mod tests;
