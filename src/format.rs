//! Numbers and durations in words, shared by the report, `explain`, the exports and the CLI.
//! A leaf: it imports nothing of the crate, so every layer may use it.

/// Report language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Simplified Chinese (default).
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The language code of the message catalogue (`zh`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
}

/// `1234567` → `1,234,567`.
pub fn thousands(i: i64) -> String {
    let digits = i.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if i < 0 {
        out.push('-');
    }
    for (k, ch) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Rounds to 4 decimals so floats serialise the same everywhere.
pub fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// `92.3%`, or `—` when there is nothing to divide.
pub fn pct_text(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

/// `2天3小时`, `15分钟`, `3 h 20 min`.
pub fn duration_text(secs: i64, lang: Lang) -> String {
    if (1..60).contains(&secs) {
        return match lang {
            Lang::Zh => "不足1分钟".to_owned(),
            Lang::En => "< 1 min".to_owned(),
        };
    }
    let mins = secs.max(0) / 60;
    let (d, h, m) = (mins / 1440, (mins % 1440) / 60, mins % 60);
    let mut parts = Vec::new();
    match lang {
        Lang::Zh => {
            if d > 0 {
                parts.push(format!("{d}天"));
            }
            if h > 0 {
                parts.push(format!("{h}小时"));
            }
            if m > 0 || parts.is_empty() {
                parts.push(format!("{m}分钟"));
            }
            parts.concat()
        }
        Lang::En => {
            if d > 0 {
                parts.push(format!("{d} d"));
            }
            if h > 0 {
                parts.push(format!("{h} h"));
            }
            if m > 0 || parts.is_empty() {
                parts.push(format!("{m} min"));
            }
            parts.join(" ")
        }
    }
}

/// A working-time duration in hours and minutes (`44 h`, `3 h 30 min`), never in days: a
/// "day" of working time would read as 24 hours.
pub fn hours_text(secs: i64) -> String {
    let mins = secs.max(0) / 60;
    match (mins / 60, mins % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1234), "1,234");
        assert_eq!(thousands(898_538), "898,538");
        assert_eq!(thousands(12_345_678), "12,345,678");
        assert_eq!(thousands(-1234567), "-1,234,567");
    }
}
