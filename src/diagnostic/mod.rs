//! Problems in user-written files (config, rules, tables, templates, calendars), rendered the
//! way rustc, just and rhai-run do: `file:line:col`, the source line, a caret and a hint.
//!
//! Diagnostics are collected, not stopped at the first, so `complaints check` can list them all.

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in a user-written file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, as shown to the user (relative to the working directory where possible).
    pub path: PathBuf,
    /// 1-based line, if known.
    pub line: Option<usize>,
    /// 1-based column (in characters), if known.
    pub col: Option<usize>,
    /// What is wrong, lowercase, no trailing period.
    pub message: String,
    /// The source line the position points into, if known.
    pub source_line: Option<String>,
    /// A guess at the fix ("did you mean `received_at`?").
    pub help: Option<String>,
    /// A warning does not fail `check` (a table without a default row, say).
    pub warning: bool,
}

impl Diagnostic {
    /// A diagnostic about a whole file.
    pub fn new(path: impl Into<PathBuf>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            path: path.into(),
            line: None,
            col: None,
            message: message.into(),
            source_line: None,
            help: None,
            warning: false,
        }
    }

    /// Marks it as a warning.
    pub fn warning(mut self) -> Diagnostic {
        self.warning = true;
        self
    }

    /// Points at `line:col` (1-based) and captures that line of `source` for the caret.
    pub fn at(mut self, source: &str, line: usize, col: usize) -> Diagnostic {
        self.line = Some(line.max(1));
        self.col = Some(col.max(1));
        self.source_line = source
            .lines()
            .nth(line.saturating_sub(1))
            .map(str::to_owned);
        self
    }

    /// Points at a byte offset into `source`.
    pub fn at_offset(self, source: &str, offset: usize) -> Diagnostic {
        let (line, col) = line_col(source, offset);
        self.at(source, line, col)
    }

    /// Adds a hint.
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// `path:line:col` (or less when unknown).
    pub fn location(&self) -> String {
        let p = self.path.display();
        match (self.line, self.col) {
            (Some(l), Some(c)) => format!("{p}:{l}:{c}"),
            (Some(l), None) => format!("{p}:{l}"),
            _ => format!("{p}"),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {}",
            if self.warning { "warning" } else { "error" },
            self.message
        )?;
        write!(f, "  --> {}", self.location())?;
        if let (Some(line), Some(src)) = (self.line, &self.source_line) {
            let num = line.to_string();
            let pad = " ".repeat(num.len());
            let src = src.trim_end();
            writeln!(f)?;
            writeln!(f, "{pad} |")?;
            writeln!(f, "{num} | {src}")?;
            let col = self.col.unwrap_or(1);
            // Columns count characters; CJK characters are two cells wide in a terminal, so
            // pad with the display width of what precedes the caret.
            let lead: usize = src.chars().take(col - 1).map(display_width).sum();
            write!(f, "{pad} | {}^", " ".repeat(lead))?;
        }
        if let Some(help) = &self.help {
            writeln!(f)?;
            write!(f, "  = help: {help}")?;
        }
        Ok(())
    }
}

/// Several diagnostics, shown one after another.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds one.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// Number of errors (not warnings).
    pub fn errors(&self) -> usize {
        self.0.iter().filter(|d| !d.warning).count()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// 1-based line and character column of a byte offset.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..floor_char_boundary(source, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Terminal cell width of a character: East Asian wide characters take two cells.
fn display_width(c: char) -> usize {
    let u = c as u32;
    let wide = matches!(u,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD);
    if c == '\t' {
        4
    } else if wide {
        2
    } else {
        1
    }
}

/// The closest candidate by edit distance, if close enough to be a plausible typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(&str, usize)> = None;
    for c in candidates {
        let d = strsim::levenshtein(word, c);
        let limit = (c.chars().count().max(word.chars().count()) / 3).max(1);
        if d <= limit && best.is_none_or(|(_, bd)| d < bd) {
            best = Some((c, d));
        }
    }
    best.map(|(c, _)| c)
}

/// The path as shown to users: relative to the working directory when below it.
pub fn display_path(path: &Path) -> PathBuf {
    let path = lexical(path);
    if path.is_relative() {
        return path;
    }
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(lexical(&cwd)).ok().map(Path::to_path_buf))
        .unwrap_or(path)
}

/// Resolves `.` and `..` without touching the file system (`a/b/../c` → `a/c`).
fn lexical(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.iter().collect()
}

#[cfg(test)]
mod tests;
