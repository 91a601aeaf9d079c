//! Reading a CSV file in blocks: a fixed buffer is filled, cut after the last record that is
//! complete in it, decoded and handed on; the rest moves to the front for the next block. A
//! 600 MB event log is read through a 32 MiB buffer instead of being held whole, which is what
//! keeps a ten-million-complaint run within memory (and, on machines where first-touched memory
//! is slow, what keeps a one-million run fast).
//!
//! Where a block is cut follows from the parity of the quotes before each line break (see
//! [`super::csv_file::split`]); a file whose quoting is not RFC 4180 is read to the end and
//! handed on as one block, as the csv reader would see it whole.

use std::io::Read;
use std::path::{Path, PathBuf};

use encoding_rs::{GB18030, UTF_16BE, UTF_16LE};
use sha2::{Digest, Sha256};

use super::csv_file;
use crate::config::EncodingChoice;
use crate::error::{Error, Result};

/// Bytes read per block (a record longer than this grows the buffer).
pub(super) const BLOCK_BYTES: usize = 32 << 20;

/// The text encoding of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Enc {
    Utf8,
    Gb18030,
    /// UTF-16 cannot be cut at `\n` bytes: the file is decoded whole.
    Utf16Le,
    Utf16Be,
}

/// A block of whole records, as read: its text is taken with [`CsvStream::take_block`].
pub(super) struct Block<'a> {
    /// The file's bytes it was decoded from (for the file's hash, which the caller computes
    /// while the block is parsed).
    pub raw: &'a [u8],
    /// The line the block starts on.
    pub first_line: u32,
    /// Bytes of the file the block was decoded from.
    pub raw_bytes: usize,
    /// Some bytes were invalid in the encoding (replaced by U+FFFD; those records are rejected).
    pub had_errors: bool,
    /// Lines above the data skipped in this block (UTF-16, decoded whole: its only block).
    pub header_lines: u64,
}

/// A CSV file being read block by block.
pub(super) struct CsvStream {
    path: PathBuf,
    file: std::fs::File,
    buf: Vec<u8>,
    /// Bytes of `buf` holding data.
    len: usize,
    /// Bytes of `buf` handed on in the last block (dropped before the next).
    consumed: usize,
    eof: bool,
    enc: Enc,
    decoded: String,
    hasher: Sha256,
    /// The line `buf[0]` starts on.
    line: u32,
    /// The quoting is not RFC 4180: the rest of the file goes as one block.
    whole: bool,
    block_bytes: usize,
    /// UTF-16: the line the data start on, applied once the file is decoded whole.
    skip_lines_after_decode: u32,
    /// The last block's text was decoded into `decoded` (not the buffer's bytes as read).
    decoded_last: bool,
}

/// The file's header search text, its encoding name and the stream positioned at the start.
pub(super) struct Opened {
    pub stream: CsvStream,
    /// `utf-8`, `utf-8-bom`, `gb18030`, `utf-16le`, `utf-16be`.
    pub encoding: &'static str,
}

impl CsvStream {
    /// Opens `path`, reads the first block and decides the encoding: a BOM, else the declared
    /// one, else UTF-8 when the first block is valid UTF-8, GB18030 when it is valid GB18030,
    /// else UTF-8 with the invalid bytes replaced (refused when they are more than 1 in 20).
    pub(super) fn open(path: &Path, choice: EncodingChoice, block_bytes: usize) -> Result<Opened> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut s = CsvStream {
            path: path.to_path_buf(),
            file,
            buf: Vec::new(),
            len: 0,
            consumed: 0,
            eof: false,
            enc: Enc::Utf8,
            decoded: String::new(),
            hasher: Sha256::new(),
            line: 1,
            whole: false,
            block_bytes,
            skip_lines_after_decode: 1,
            decoded_last: false,
        };
        s.fill()?;
        let head = &s.buf[..s.len];
        if let Some(message) = not_csv_text(head, s.eof) {
            return Err(Error::Input {
                path: path.to_path_buf(),
                message,
            });
        }
        let (enc, name, bom) = if head.starts_with(b"\xEF\xBB\xBF") {
            (Enc::Utf8, "utf-8-bom", 3)
        } else if head.starts_with(b"\xFF\xFE") {
            (Enc::Utf16Le, "utf-16le", 0)
        } else if head.starts_with(b"\xFE\xFF") {
            (Enc::Utf16Be, "utf-16be", 0)
        } else {
            match choice {
                EncodingChoice::Utf8 => (Enc::Utf8, "utf-8", 0),
                EncodingChoice::Gb18030 => (Enc::Gb18030, "gb18030", 0),
                EncodingChoice::Auto => {
                    // Judge whole lines: the block may end inside a character.
                    let upto = if s.eof {
                        head.len()
                    } else {
                        memchr::memrchr(b'\n', head).map_or(head.len(), |p| p + 1)
                    };
                    let sample = &head[..upto];
                    if std::str::from_utf8(sample).is_ok() {
                        (Enc::Utf8, "utf-8", 0)
                    } else if GB18030
                        .decode_without_bom_handling_and_without_replacement(sample)
                        .is_some()
                    {
                        (Enc::Gb18030, "gb18030", 0)
                    } else {
                        // Mostly-UTF-8 with a few broken bytes is the usual case (a file
                        // concatenated from two sources): keep the good rows, reject the bad.
                        let text = String::from_utf8_lossy(sample);
                        if text.chars().filter(|c| *c == '\u{fffd}').count() * 20
                            > text.chars().count()
                        {
                            return Err(Error::Input {
                                path: path.to_path_buf(),
                                message: "cannot detect the encoding (neither UTF-8 nor GB18030); declare it with `[ingest] encoding = \"...\"`".into(),
                            });
                        }
                        (Enc::Utf8, "utf-8", 0)
                    }
                }
            }
        };
        s.enc = enc;
        if matches!(enc, Enc::Utf16Le | Enc::Utf16Be) {
            s.whole = true;
        }
        if bom > 0 {
            s.hasher.update(&s.buf[..bom]);
            s.buf.copy_within(bom..s.len, 0);
            s.len -= bom;
        }
        Ok(Opened {
            stream: s,
            encoding: name,
        })
    }

    /// Reads until the buffer holds a block or the file ends.
    fn fill(&mut self) -> Result<()> {
        let want = if self.whole {
            usize::MAX
        } else {
            self.block_bytes
        };
        while !self.eof && self.len < want {
            if self.buf.len() < (self.len + (1 << 20)).min(want) {
                let grow = if self.whole {
                    self.len.max(1 << 20)
                } else {
                    want - self.buf.len()
                };
                self.buf.resize(self.buf.len() + grow, 0);
            }
            let n = self
                .file
                .read(&mut self.buf[self.len..])
                .map_err(|e| Error::io(&self.path, e))?;
            if n == 0 {
                self.eof = true;
            }
            self.len += n;
        }
        Ok(())
    }

    /// The last block's text as an owned string, in `spare` (a buffer the caller is done
    /// with) or in place of it. When the text is the bytes as read (UTF-8 that was valid), the
    /// stream's buffer itself is handed over and `spare` takes its place, with the unread rest
    /// copied to its front; a decoded text is copied into `spare`.
    ///
    /// Copying every block out of the buffer was a fifth of the reader thread's time (336 MB
    /// at the kit's 1 M export), on a thread that shares two cores with the parse.
    pub(super) fn take_block(&mut self, spare: Vec<u8>) -> String {
        let mut next = spare;
        if self.decoded_last {
            // Taken once: a second call gives an empty text, as it does for bytes as read.
            self.decoded_last = false;
            next.clear();
            let mut text = String::from_utf8(next).expect("an empty buffer is UTF-8");
            text.push_str(&self.decoded);
            self.decoded.clear();
            return text;
        }
        let rest = self.len - self.consumed;
        // The spare keeps its length (its pages were written once): `fill` only grows it.
        if next.len() < rest {
            next.resize(rest, 0);
        }
        next[..rest].copy_from_slice(&self.buf[self.consumed..self.len]);
        let mut block = std::mem::replace(&mut self.buf, next);
        block.truncate(self.consumed);
        self.len = rest;
        self.consumed = 0;
        // SAFETY: `next_block` checked these bytes as UTF-8 (`scan`) and handed them on as the
        // block's text unchanged (`decoded_last` is false).
        unsafe { String::from_utf8_unchecked(block) }
    }

    /// True when the whole file is in the buffer (so the head text ends where the file does).
    /// Bytes of the first block held (what [`CsvStream::head_text`] can decode).
    pub(super) fn head_len(&self) -> usize {
        self.len
    }

    pub(super) fn whole_file_read(&self) -> bool {
        self.eof
    }

    /// The start of the text as lossily decoded, for finding the header: its first `max`
    /// bytes, at most the first block (a character cut at the end is decoded as U+FFFD).
    pub(super) fn head_text(&self, max: usize) -> std::borrow::Cow<'_, str> {
        let head = &self.buf[..self.len.min(max)];
        match self.enc {
            Enc::Utf8 => String::from_utf8_lossy(head),
            Enc::Gb18030 => GB18030.decode_without_bom_handling(head).0,
            Enc::Utf16Le => UTF_16LE.decode(head).0,
            Enc::Utf16Be => UTF_16BE.decode(head).0,
        }
    }

    /// Skips the lines before `line` (titles and the header), which must lie in the first block.
    /// Returns the lines skipped (UTF-16: 0 here; the first block says how many).
    pub(super) fn skip_to_line(&mut self, line: u32) -> u64 {
        if matches!(self.enc, Enc::Utf16Le | Enc::Utf16Be) {
            // Decoded whole later; remember where the data starts by line.
            self.skip_lines_after_decode = line;
            return 0;
        }
        let mut at = 0;
        let mut skipped = 0;
        for _ in 1..line {
            match memchr::memchr(b'\n', &self.buf[at..self.len]) {
                Some(p) => {
                    at += p + 1;
                    skipped += 1;
                }
                None => {
                    // A last line without a line break.
                    skipped += u64::from(at < self.len);
                    at = self.len;
                    break;
                }
            }
        }
        self.hasher.update(&self.buf[..at]);
        self.buf.copy_within(at..self.len, 0);
        self.len -= at;
        self.line = line;
        skipped
    }

    /// The next block of whole records, or `None` at the end of the file.
    pub(super) fn next_block(&mut self) -> Result<Option<Block<'_>>> {
        // Nothing of the last block is left to take, whatever this call returns.
        self.decoded_last = false;
        if self.consumed > 0 {
            self.buf.copy_within(self.consumed..self.len, 0);
            self.len -= self.consumed;
            self.consumed = 0;
        }
        self.fill()?;
        if self.len == 0 {
            return Ok(None);
        }
        let cut = loop {
            if self.eof || self.whole {
                break self.len;
            }
            let data = &self.buf[..self.len];
            match last_record_end(data) {
                Some(cut) if csv_file::quotes_ok(data, cut) => break cut,
                Some(_) => {
                    // Not RFC 4180 quoting: the rest of the file as one block.
                    self.whole = true;
                    self.fill()?;
                }
                None => {
                    // One record longer than the buffer: read more.
                    self.block_bytes *= 2;
                    self.fill()?;
                }
            }
        };
        let raw = &self.buf[..cut];
        let first_line = self.line;
        let (utf8, newlines) = scan(raw);
        self.line = self.line.saturating_add(newlines as u32);
        self.consumed = cut;
        self.decoded_last = !(self.enc == Enc::Utf8 && utf8.is_some());
        // The text is the bytes as read, or decoded into `decoded`; `take_block` hands it on.
        let had_errors = match self.enc {
            Enc::Utf8 => match utf8 {
                Some(_) => false,
                None => {
                    self.decoded = String::from_utf8_lossy(raw).into_owned();
                    true
                }
            },
            Enc::Gb18030 => {
                self.decoded.clear();
                let (t, bad) = GB18030.decode_without_bom_handling(raw);
                self.decoded.push_str(&t);
                bad
            }
            Enc::Utf16Le | Enc::Utf16Be => {
                let e = if self.enc == Enc::Utf16Le {
                    UTF_16LE
                } else {
                    UTF_16BE
                };
                let (t, _, bad) = e.decode(raw);
                // The data start by line, now that the text is whole.
                let skip = self.skip_lines_after_decode.max(1);
                let mut at = 0;
                let mut header_lines = 0;
                for _ in 1..skip {
                    match t[at..].find('\n') {
                        Some(p) => {
                            at += p + 1;
                            header_lines += 1;
                        }
                        None => {
                            header_lines += u64::from(at < t.len());
                            at = t.len();
                            break;
                        }
                    }
                }
                self.decoded = t[at..].to_owned();
                return Ok(Some(Block {
                    raw,
                    first_line: skip,
                    raw_bytes: cut,
                    had_errors: bad,
                    header_lines,
                }));
            }
        };
        Ok(Some(Block {
            raw,
            first_line,
            raw_bytes: cut,
            had_errors,
            header_lines: 0,
        }))
    }

    /// The hash of the bytes before the first block (BOM, preamble, header): the caller goes
    /// on with each block's `raw` bytes.
    pub(super) fn take_hasher(&mut self) -> Sha256 {
        std::mem::take(&mut self.hasher)
    }
}

/// Why the start of a file shows it is no CSV text at all (so that the error names the cause,
/// not an encoding or a missing column).
fn not_csv_text(head: &[u8], eof: bool) -> Option<String> {
    if head.is_empty() && eof {
        return Some("the file is empty (0 bytes): no header and no data".into());
    }
    if head.starts_with(b"PK\x03\x04") {
        return Some(
            "the file is a workbook (XLSX or ODS: ZIP data), not CSV text: give it the .xlsx extension, or save it as CSV".into(),
        );
    }
    if head.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return Some(
            "the file is an old Excel workbook (XLS), not CSV text: give it the .xls extension, or save it as CSV".into(),
        );
    }
    let bom = head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF");
    let nuls = memchr::memchr_iter(0, head).count();
    if !bom && nuls * 4 > head.len() {
        return Some(
            "the file is a quarter or more NUL bytes: UTF-16 text without a byte-order mark, or not text at all; save it as UTF-8 (or UTF-16 with a BOM)".into(),
        );
    }
    if !bom && memchr::memchr(b'\n', head).is_none() && memchr::memchr(b'\r', head).is_some() {
        return Some(
            "the file ends its lines with a carriage return alone (old Mac line ends); save it with CRLF or LF line ends".into(),
        );
    }
    None
}

/// A finished file hash as hex.
pub(super) fn hex_digest(h: Sha256) -> String {
    crate::output::hex(&h.finalize())
}

/// The block as UTF-8 text if it is valid, and its line count. Sequential: blocks are read on
/// a thread of their own while the pool parses the block before (see `Source::read`), where
/// handing pieces to the pool would queue them behind that parse. The UTF-8 check is
/// simdutf8's: std's byte-wise check of CJK text was ~20 % of that thread's time.
fn scan(raw: &[u8]) -> (Option<&str>, usize) {
    (
        simdutf8::basic::from_utf8(raw).ok(),
        memchr::memchr_iter(b'\n', raw).count(),
    )
}

/// The byte after the last line break outside quoted fields, the buffer starting at a record
/// boundary; `None` when there is none.
fn last_record_end(data: &[u8]) -> Option<usize> {
    let total_odd = memchr::memchr_iter(b'"', data).count() % 2 == 1;
    // Quotes after the current position, scanning backwards.
    let mut after_odd = false;
    for p in memchr::memrchr2_iter(b'"', b'\n', data) {
        if data[p] == b'"' {
            after_odd = !after_odd;
        } else if total_odd == after_odd {
            // An even number of quotes before this break: it ends a record.
            return Some(p + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests;
