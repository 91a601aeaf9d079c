//! The one error type of the calendar module.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A calendar file (or one of its holiday tables) could not be loaded.
///
/// Messages are written for the quality departments who edit these files by
/// hand: they quote the offending text and say what was expected.
///
/// `span` is a byte range into the file named by `path`. For most errors that
/// is the calendar TOML file; for a malformed row of a holiday table, `path`
/// is the CSV file itself and `span` points into the CSV text, because that is
/// where the edit has to happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarError {
    /// The file the error is about (the TOML file, or a holiday table CSV).
    pub path: Option<PathBuf>,
    /// Human-readable description, e.g. `segment "13:30-12:00" ends before it starts`.
    pub message: String,
    /// Byte range of the offending text inside `path`'s contents, when known.
    pub span: Option<Range<usize>>,
}

impl CalendarError {
    pub(super) fn new(
        path: &Path,
        message: impl Into<String>,
        span: Option<Range<usize>>,
    ) -> CalendarError {
        CalendarError {
            path: Some(path.to_path_buf()),
            message: message.into(),
            span,
        }
    }

    /// 1-based (line, column) of the start of `span` inside `src` (the text of
    /// the file named by `path`), for "file:line:col" style reports. The column
    /// counts characters, not bytes, so CJK text lines up.
    pub fn line_col(&self, src: &str) -> Option<(usize, usize)> {
        let start = self.span.as_ref()?.start;
        let before = src.get(..start)?;
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        Some((line, col))
    }
}

impl fmt::Display for CalendarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(p) => write!(f, "{}: {}", p.display(), self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for CalendarError {}
