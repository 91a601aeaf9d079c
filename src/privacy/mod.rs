//! Masking of complainants' personal data. The procedures demand confidentiality (003-H2:
//! "no disclosure to unauthorised persons"), so every report and export masks names and phone
//! numbers by default, including where they appear inside the complaint text; `--unmask`
//! turns this off for internal use and is recorded in the manifest.

use std::sync::LazyLock;

use regex::Regex;

/// Masks a name: the first character stays, the rest become `*` (`张三` → `张*`,
/// `王建国` → `王**`).
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        None => String::new(),
        Some(first) => {
            let rest = chars.count();
            if rest == 0 {
                "*".to_owned()
            } else {
                format!("{first}{}", "*".repeat(rest))
            }
        }
    }
}

/// Masks a phone number: the first three and last four digits stay, other digits become `*`,
/// separators stay (`13812341234` → `138****1234`, `0571-88001234` → `057*-****1234`).
/// Numbers with fewer than 8 digits are masked entirely.
pub fn mask_phone(phone: &str) -> String {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let mut seen = 0;
    phone
        .chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return c;
            }
            seen += 1;
            if digits >= 8 && (seen <= 3 || seen > digits - 4) {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// Mobile numbers (optionally with +86) and landlines with an area code.
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}|0\d{2,3}[- ]?\d{7,8}")
        .expect("valid regex")
});

/// Masks phone numbers and the given names wherever they appear in free text.
pub fn mask_text(text: &str, names: &[&str]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for m in PHONE.find_iter(text) {
        // A phone number is not part of a longer digit run (an ID, an amount).
        let before = text[..m.start()].chars().next_back();
        let after = text[m.end()..].chars().next();
        if before.is_some_and(|c| c.is_ascii_digit()) || after.is_some_and(|c| c.is_ascii_digit()) {
            continue;
        }
        out.push_str(&text[last..m.start()]);
        out.push_str(&mask_phone(m.as_str()));
        last = m.end();
    }
    out.push_str(&text[last..]);
    for name in names {
        let name = name.trim();
        // A one-character "name" would mask every occurrence of a common character.
        if name.chars().count() >= 2 && out.contains(name) {
            out = out.replace(name, &mask_name(name));
        }
    }
    out
}

/// Masks every complainant's name of a run wherever it appears in free text (a complaint that
/// names a neighbour who is also a complainant elsewhere must not reveal them), plus phone
/// numbers. Built once per run over all complainant names of two or more characters.
#[derive(Debug, Default)]
pub struct Masker {
    ac: Option<aho_corasick::AhoCorasick>,
    masked: Vec<String>,
}

impl Masker {
    /// Builds the masker from the run's complainant names.
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Masker {
        let mut v: Vec<&str> = names
            .into_iter()
            .map(str::trim)
            .filter(|n| n.chars().count() >= 2)
            .collect();
        v.sort_unstable();
        v.dedup();
        let ac = (!v.is_empty()).then(|| {
            aho_corasick::AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                .build(&v)
                .expect("names are plain strings")
        });
        Masker {
            masked: v.iter().map(|n| mask_name(n)).collect(),
            ac,
        }
    }

    /// Masks phone numbers and every known complainant name in `text`.
    pub fn mask(&self, text: &str) -> String {
        let phones = mask_text(text, &[]);
        match &self.ac {
            Some(ac) if ac.is_match(&phones) => {
                let mut out = String::with_capacity(phones.len());
                let mut last = 0;
                for m in ac.find_iter(&phones) {
                    out.push_str(&phones[last..m.start()]);
                    out.push_str(&self.masked[m.pattern().as_usize()]);
                    last = m.end();
                }
                out.push_str(&phones[last..]);
                out
            }
            _ => phones,
        }
    }
}

#[cfg(test)]
mod tests;
