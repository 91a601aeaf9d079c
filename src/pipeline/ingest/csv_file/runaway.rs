//! Runaway quotes: a `"` that opens a quoted field and never closes properly turns every row
//! after it into one huge cell, and the rows are silently gone. A quoted field is taken for a
//! runaway when it spans lines and
//! - reaches the end of the text without a closing quote, or
//! - closes only after [`MAX_QUOTED_LINES`] lines or [`MAX_QUOTED_BYTES`] bytes, or
//! - closes with a quote that is not followed by a delimiter or a line end (a later stray
//!   quote, not this field's end).
//!
//! A quoted field on one line that reaches the end of the text is one too (nothing is lost,
//! but the row is malformed). Only records that span lines or end the text are scanned here,
//! so ordinary files pay nothing.

/// More line breaks than this inside one quoted field is a runaway quote: complaint texts run
/// to a few paragraphs, not to a hundred lines.
pub(crate) const MAX_QUOTED_LINES: usize = 100;

/// More bytes than this in one quoted field that spans lines is a runaway quote (1 MiB).
pub(crate) const MAX_QUOTED_BYTES: usize = 1 << 20;

/// A quoted field that ran away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Runaway {
    /// Byte offset of the opening quote in the text.
    pub(crate) open: usize,
    /// The line the quote opened on.
    pub(crate) line: u32,
    /// The line the field closed on, if it closed at all.
    pub(crate) closed_line: Option<u32>,
    /// The start of the quote's line, for the reject's `value`.
    pub(crate) excerpt: String,
}

impl Runaway {
    /// The reject message.
    pub(crate) fn message(&self) -> String {
        let what = match self.closed_line {
            None => "is never closed".to_owned(),
            Some(l) => format!("runs on to line {l}"),
        };
        format!(
            "unterminated quote: the quoted field opened on line {} {what}; reading went on at line {}, so the rows after it are read (this row is not)",
            self.line,
            self.line + 1
        )
    }
}

/// The first runaway quoted field of the record in `bytes[start..end]` (which starts on line
/// `line`), if any.
pub(crate) fn find(bytes: &[u8], start: usize, end: usize, line: u32) -> Option<Runaway> {
    let mut i = start;
    let mut field_start = true;
    while i < end {
        match bytes[i] {
            b'"' if field_start => {
                let (close, newlines) = closing_quote(bytes, i, end);
                let runaway = match close {
                    None => true,
                    Some(c) => {
                        newlines > 0
                            && (newlines > MAX_QUOTED_LINES
                                || c - i > MAX_QUOTED_BYTES
                                || !matches!(bytes.get(c + 1), None | Some(b',' | b'\r' | b'\n')))
                    }
                };
                if runaway {
                    let at = line as usize + count_newlines(&bytes[start..i]);
                    let line_start = bytes[..i]
                        .iter()
                        .rposition(|&b| b == b'\n')
                        .map_or(0, |p| p + 1);
                    let line_end =
                        memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |p| i + p);
                    let excerpt =
                        String::from_utf8_lossy(&bytes[line_start..line_end.min(line_start + 200)])
                            .trim_end_matches('\r')
                            .to_owned();
                    return Some(Runaway {
                        open: i,
                        line: u32::try_from(at).unwrap_or(u32::MAX),
                        closed_line: close
                            .map(|_| u32::try_from(at + newlines).unwrap_or(u32::MAX)),
                        excerpt,
                    });
                }
                // Go on after the field's closing quote.
                i = close.map_or(end, |c| c + 1);
                field_start = false;
                continue;
            }
            b',' | b'\n' | b'\r' => field_start = true,
            _ => field_start = false,
        }
        i += 1;
    }
    None
}

/// The closing quote of the field whose opening quote is at `open` (doubled quotes stay
/// inside), before `end`, and the line breaks inside the field.
fn closing_quote(bytes: &[u8], open: usize, end: usize) -> (Option<usize>, usize) {
    let mut j = open + 1;
    while j < end {
        match memchr::memchr(b'"', &bytes[j..end]) {
            None => break,
            Some(p) => {
                let q = j + p;
                if bytes.get(q + 1) == Some(&b'"') && q + 1 < end {
                    j = q + 2;
                    continue;
                }
                return (Some(q), count_newlines(&bytes[open..q]));
            }
        }
    }
    (None, count_newlines(&bytes[open..end]))
}

fn count_newlines(b: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', b).count()
}
