//! The shipped explanation section, `partials/explain_complaint.html.j2`, written out in Rust.
//!
//! Why: a report explains every complaint its lists name, 51,130 sections (395 MB) for the 1 M
//! benchmark with `--period all`, and evaluating the partial in minijinja was most of the render
//! stage (render 4.7 s against 2.8 s for the Rust-built pages it replaced). Rendering the same
//! bytes directly from the [`Explanation`] takes a fraction of that.
//!
//! It is used only while the folder's partial is the shipped file word for word
//! ([`super::Templates::is_shipped`]); an edited partial is rendered by minijinja as before. The
//! words still come from the folder's `messages.toml`. Each line below follows one line of the
//! template, with its whitespace, escaping (values shown with their bidi controls visible, then
//! HTML-escaped, like the environment's formatter) and truthiness. Byte-for-byte equality with
//! minijinja is guarded by `tests/cli_report.rs`
//! (`explanation_sections_match_the_template_byte_for_byte`): change the partial and this file
//! together, or that test fails.
//!
//! Anything the fast path cannot word exactly as the template would (a message key missing from
//! `messages.toml`, a decision without the time the template prints) returns [`Fallback`], and
//! the section is rendered by minijinja, which reports or renders it as it always did.

use std::fmt::{Display, Write};

use minijinja::{HtmlEscape, Value};

use crate::format::{Lang, duration_text, hours_text};
use crate::pipeline::explain::Explanation;
use crate::pipeline::explain::clock::{Clock, Day, Moment};
use crate::privacy::show_bidi;

/// The messages of one language, as the templates' `t()` reads them.
pub(super) type Words = rustc_hash::FxHashMap<String, Value>;

/// The section cannot be written here exactly as the template would write it.
#[derive(Debug)]
pub(super) struct Fallback;

type R = Result<(), Fallback>;

/// The section of `e` in `lang`, as `partials/explain_complaint.html.j2` renders it.
pub(super) fn render(words: &Words, lang: Lang, e: &Explanation) -> Result<String, Fallback> {
    let mut w = Writer {
        out: String::with_capacity(8 * 1024),
        words,
        lang,
    };
    w.section(e)?;
    Ok(w.out)
}

/// `weekday.{n}`, the message key of weekday `n` (0 = Monday), without a `format!` per use.
fn weekday_key(n: u8) -> Result<&'static str, Fallback> {
    const KEYS: [&str; 7] = [
        "weekday.0",
        "weekday.1",
        "weekday.2",
        "weekday.3",
        "weekday.4",
        "weekday.5",
        "weekday.6",
    ];
    KEYS.get(n as usize).copied().ok_or(Fallback)
}

/// `s` HTML-escaped into `out` as minijinja's `HtmlEscape` escapes it (`<>&"'/`), without
/// going through a formatter: this runs for every value of 51 k sections at 1 M.
fn escape_into(out: &mut String, s: &str) {
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escaped = match b {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'&' => "&amp;",
            b'"' => "&quot;",
            b'\'' => "&#x27;",
            b'/' => "&#x2f;",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        out.push_str(escaped);
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

struct Writer<'a> {
    out: String,
    words: &'a Words,
    lang: Lang,
}

impl<'a> Writer<'a> {
    /// Template text.
    fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// `{{ value }}` of a string: bidi controls made visible, then HTML-escaped.
    fn text(&mut self, s: &str) {
        escape_into(&mut self.out, &show_bidi(s));
    }

    /// `{{ value }}` of a number.
    fn num(&mut self, n: impl Display) {
        let _ = write!(self.out, "{n}");
    }

    /// `{{ value }}` of an optional string: minijinja prints `None` for none.
    fn opt(&mut self, s: Option<&str>) {
        self.text(s.unwrap_or("None"));
    }

    fn word(&self, key: &str) -> Result<&'a str, Fallback> {
        let words: &'a Words = self.words;
        words.get(key).and_then(Value::as_str).ok_or(Fallback)
    }

    /// `{{ t(key) }}`.
    fn t(&mut self, key: &str) -> R {
        let word = self.word(key)?;
        self.text(word);
        Ok(())
    }

    /// `{{ t(key, name=value, ...) }}`: placeholders filled in the order given, then shown.
    fn t_fill(&mut self, key: &str, fill: &[(&str, &dyn Display)]) -> R {
        let mut text = self.word(key)?.to_owned();
        for (name, value) in fill {
            text = text.replace(&format!("{{{name}}}"), &value.to_string());
        }
        self.text(&text);
        Ok(())
    }

    /// `{{ m | at }}`: `2026-10-02 21:00:00 (周五)`.
    fn at(&mut self, m: &Moment) -> R {
        let day = self.word(weekday_key(m.weekday)?)?;
        // Shown and escaped a character at a time, so in pieces as well as whole.
        self.text(&m.time);
        self.raw(" (");
        self.text(day);
        self.raw(")");
        Ok(())
    }

    /// `{{ m | at }}` of an optional moment: the template would print an undefined weekday.
    fn at_opt(&mut self, m: Option<&Moment>) -> R {
        self.at(m.ok_or(Fallback)?)
    }

    /// `{{ n | weekday }}`.
    fn weekday(&mut self, n: u8) -> R {
        self.t(weekday_key(n)?)
    }

    /// `{{ d | day }}`: the kind of day, with its name where it has one.
    fn day(&mut self, d: &Day) -> R {
        let (kind, name) = match d {
            Day::Workday => ("explain.day.workday", None),
            Day::Weekend => ("explain.day.weekend", None),
            Day::Holiday(n) => ("explain.day.holiday", Some(n)),
            Day::Makeup(n) => ("explain.day.makeup", Some(n)),
            Day::Closure(n) => ("explain.day.closure", Some(n)),
            Day::Extra(n) => ("explain.day.extra", Some(n)),
        };
        let word = self.word(kind)?;
        self.text(word);
        if let Some(n) = name {
            self.raw(" ");
            self.text(n);
        }
        Ok(())
    }

    /// `{{ secs | duration }}`.
    fn duration(&mut self, secs: i64) {
        self.text(&duration_text(secs, self.lang));
    }

    /// `{{ secs | hours }}`.
    fn hours(&mut self, secs: i64) {
        self.text(&hours_text(secs));
    }

    /// `{{ names | codes }}`: markup, each name escaped (not bidi-shown: the filter's output is
    /// safe).
    fn codes(&mut self, names: &[String]) {
        for (k, n) in names.iter().enumerate() {
            if k > 0 {
                self.raw(", ");
            }
            let _ = write!(self.out, "<code>{}</code>", HtmlEscape(n));
        }
    }

    fn section(&mut self, e: &Explanation) -> R {
        self.raw("<section id=\"");
        self.text(&e.id);
        self.raw("\">\n<h2><code>");
        self.text(&e.id);
        self.raw("</code></h2>\n<p class=\"sub\">");
        self.t("explain.row")?;
        self.raw(" <code>");
        self.text(&e.origin);
        self.raw("</code>");
        for o in &e.merged {
            self.raw(" · ");
            self.t("explain.merged")?;
            self.raw(" <code>");
            self.text(o);
            self.raw("</code>");
        }
        self.raw("</p>\n<table>\n<thead><tr><th>");
        self.t("explain.field")?;
        self.raw("</th><th>");
        self.t("explain.time")?;
        self.raw("</th></tr></thead>\n<tbody>");
        for s in &e.stages {
            self.raw("<tr><td><code>");
            self.text(s.field);
            self.raw("</code></td><td>");
            self.text(&s.time);
            if s.later {
                self.raw(" <span class=\"warn\">");
                self.t("explain.after_as_of")?;
                self.raw("</span>");
            }
            self.raw("</td></tr>");
        }
        self.raw("</tbody>\n</table>\n<h3>");
        self.t("explain.classify")?;
        self.raw(" <code>");
        self.text(&e.classify.path);
        self.raw("</code></h3>\n<p class=\"sub\">");
        match &e.classify.reads {
            None => self.t("explain.reads_all")?,
            Some(reads) => {
                self.t("explain.reads")?;
                self.raw(" ");
                self.codes(reads);
            }
        }
        self.raw("</p>\n<table>\n<thead><tr><th>");
        self.t("explain.output")?;
        self.raw("</th><th>");
        self.t("explain.value")?;
        self.raw("</th><th>");
        self.t("explain.decided_by")?;
        self.raw("</th></tr></thead>\n<tbody>");
        for o in &e.classify.outputs {
            self.raw("<tr><td><code>");
            self.text(&o.column);
            self.raw("</code></td><td>");
            self.text(if o.value.is_empty() { "()" } else { &o.value });
            self.raw("</td><td>");
            match &o.source {
                Some(src) => {
                    self.t("explain.table")?;
                    self.raw(" <code>");
                    self.text(&src.table);
                    self.raw("</code> ");
                    self.text(&src.row_ref);
                    self.raw("; ");
                    self.t("explain.saw")?;
                    self.raw(" ");
                    for (k, [field, value]) in src.inputs.iter().enumerate() {
                        if k > 0 {
                            self.raw(", ");
                        }
                        self.raw("<code>");
                        self.text(field);
                        self.raw("</code>=");
                        self.text(value);
                    }
                }
                None => {
                    self.t("explain.set_by")?;
                    self.raw(" <code>");
                    self.text(&e.classify.path);
                    self.raw("</code>");
                }
            }
            self.raw("</td></tr>");
        }
        self.raw("</tbody>\n</table>\n");
        for p in &e.classify.prints {
            self.raw("<p class=\"sub\">print: <code>");
            self.text(p);
            self.raw("</code></p>");
        }
        self.raw("\n<h3>");
        self.t("explain.sla")?;
        self.raw("</h3>\n");
        if e.targets.is_empty() {
            self.raw("<p class=\"sub\">");
            self.t("explain.no_target")?;
            self.raw("</p>");
        }
        self.raw("\n");
        for c in &e.targets {
            self.raw("\n");
            self.clock(c)?;
        }
        self.raw("\n</section>");
        Ok(())
    }

    /// One target's clock: the body of `{% for c in e.targets %}`, after its first newline.
    fn clock(&mut self, c: &Clock) -> R {
        self.raw("<h4><code>");
        self.text(&c.target);
        self.raw("</code> ");
        self.text(if self.lang == Lang::En {
            &c.label_en
        } else {
            &c.label
        });
        self.raw(" <span class=\"sub\">[");
        self.t("explain.preset")?;
        self.raw(" ");
        self.text(&c.preset);
        if let Some(source) = c.source.as_deref().filter(|s| !s.is_empty()) {
            self.raw("; ");
            self.text(source);
        }
        self.raw("]</span></h4>\n<ul>\n");
        if !c.applies.is_empty() {
            self.raw("<li>");
            self.t("explain.applies")?;
            self.raw(" ");
            for (k, w) in c.applies.iter().enumerate() {
                if k > 0 {
                    self.raw(" ");
                    self.t("explain.and")?;
                    self.raw(" ");
                }
                self.raw("<code>");
                self.text(&w.field);
                self.raw("</code> ∈ {");
                self.text(&w.values.join(", "));
                self.raw("}");
            }
            self.raw("</li>");
        }
        self.raw("\n\n");
        let limit = match (&c.start, &c.limit) {
            (Some(start), Some(limit)) => Some((start, limit)),
            _ => None,
        };
        let Some((start, limit)) = limit else {
            self.raw("\n<li>");
            self.t("explain.no_start")?;
            self.raw(": ");
            self.start_desc(c)?;
            self.raw("</li>\n<li>");
            self.t("explain.verdict")?;
            self.raw(": <b>");
            self.t(c.decision.status)?;
            self.raw("</b> — ");
            self.text(&c.decision.note);
            self.raw("</li>\n\n</ul>\n");
            return Ok(());
        };
        self.raw("\n<li>");
        self.t("explain.starts")?;
        self.raw(": ");
        self.start_desc(c)?;
        self.raw(" ");
        self.at(start)?;
        self.raw("</li>\n<li>");
        self.t("explain.stops")?;
        self.raw(": ");
        match &c.stop {
            Some(stop) => {
                self.codes(&c.stop_events);
                self.raw(" ");
                self.at(stop)?;
            }
            None => {
                self.t("explain.not_stopped")?;
                self.raw(" ");
                self.codes(&c.stop_events);
                self.raw(" (");
                self.t("as_of")?;
                self.raw(" ");
                self.at(&c.as_of)?;
                self.raw(")");
            }
        }
        self.raw("</li>\n");
        if c.pause_rule && c.pauses.is_empty() {
            self.raw("<li>");
            self.t("explain.no_pauses")?;
            self.raw("</li>");
        }
        self.raw("\n");
        for p in &c.pauses {
            self.raw("<li>");
            self.t("explain.paused")?;
            self.raw(" ");
            self.at(&p.from)?;
            self.raw(" → ");
            self.at(&p.to)?;
            self.raw(" (");
            self.duration(p.seconds);
            self.raw("; ");
            self.t("explain.working_time")?;
            self.raw(" ");
            self.hours(p.working);
            self.raw(")");
            self.t("explain.pause_effect")?;
            self.raw("</li>");
        }
        self.raw("\n<li>");
        self.t("explain.limit")?;
        self.raw(": ");
        self.text(&limit.text);
        match limit.kind {
            "deadline_field" => {
                self.raw("; ");
                self.text(&limit.note);
            }
            "working_days" => {
                self.raw(", ");
                self.t("explain.calendar")?;
                self.raw(" <code>");
                self.text(&c.calendar);
                self.raw("</code>: ");
                self.t_fill(
                    "explain.end_of_nth",
                    &[("n", &limit.days), ("day", &limit.first_day)],
                )?;
            }
            "working_days_duration" => {
                self.raw(" = ");
                self.num(limit.days);
                self.raw(" × ");
                self.hours(limit.day_seconds);
                self.raw(" = ");
                self.hours(limit.total_seconds);
                self.raw(", ");
                self.t("explain.calendar")?;
                self.raw(" <code>");
                self.text(&c.calendar);
                self.raw("</code>");
            }
            "working" => {
                self.raw(", ");
                self.t("explain.calendar")?;
                self.raw(" <code>");
                self.text(&c.calendar);
                self.raw("</code>");
            }
            "same_day" => {
                self.raw(": ");
                self.t("explain.by_end_of")?;
                self.raw(" ");
                self.text(&limit.first_day);
            }
            _ => {
                self.raw(" ");
                self.t("explain.calendar_time")?;
            }
        }
        self.raw("</li>\n");
        if !c.walk.is_empty() {
            self.raw("<li><table>\n<tbody>");
            for d in &c.walk {
                self.raw("<tr><td>");
                self.text(&d.date);
                self.raw("</td><td>");
                self.weekday(d.weekday)?;
                self.raw("</td><td>");
                if d.working {
                    self.t_fill(
                        "explain.working_day_n",
                        &[("n", &d.count), ("of", &limit.days)],
                    )?;
                    if matches!(d.day, Day::Makeup(_) | Day::Extra(_)) {
                        self.raw(" (");
                        self.day(&d.day)?;
                        self.raw(")");
                    }
                } else {
                    self.day(&d.day)?;
                    self.raw(", ");
                    self.t("explain.skipped")?;
                }
                self.raw("</td></tr>");
            }
            self.raw("</tbody>\n</table></li>");
        }
        self.raw("\n");
        if let Some(due) = &c.due {
            self.raw("<li>");
            self.t("explain.due")?;
            self.raw(": ");
            self.at(due)?;
            self.raw("</li>");
        }
        self.raw("\n");
        match &c.counted {
            Some(counted) => {
                self.raw("<li>");
                self.t("explain.counted")?;
                self.raw(" ");
                self.at(&counted.from)?;
                self.raw(" → ");
                self.at(&counted.to)?;
                self.raw("<table>\n<tbody>");
                for d in &counted.days {
                    self.raw("<tr><td>");
                    self.text(&d.date);
                    if let Some(last) = &d.last_date {
                        self.raw(" – ");
                        self.text(last);
                    }
                    self.raw("</td><td>");
                    self.weekday(d.weekday)?;
                    if d.last_date.is_some() {
                        self.raw("–");
                        self.weekday(d.last_weekday)?;
                    }
                    self.raw("</td><td>");
                    self.day(&d.day)?;
                    self.raw("</td><td>");
                    for (k, [from, to]) in d.counted.iter().enumerate() {
                        if k > 0 {
                            self.raw(", ");
                        }
                        self.text(from);
                        self.raw("–");
                        self.text(to);
                    }
                    if d.last_date.is_some() && !d.counted.is_empty() {
                        self.raw(" ");
                        self.t("explain.each_day")?;
                    }
                    self.raw("</td><td class=\"n\">");
                    if d.counted.is_empty() {
                        self.raw("—");
                    } else {
                        if d.last_date.is_some() {
                            self.num(d.run);
                            self.raw(" × ");
                        }
                        self.duration(d.seconds);
                    }
                    self.raw("</td></tr>");
                }
                self.raw("\n");
                if counted.truncated {
                    self.raw("<tr><td colspan=\"5\" class=\"more\">");
                    self.t("explain.more_days")?;
                    self.raw("</td></tr>");
                }
                self.raw("</tbody>\n</table>");
                self.t("explain.total")?;
                self.raw(" ");
                self.hours(c.elapsed_working);
                if c.paused {
                    self.raw(" ");
                    self.t("explain.after_pauses")?;
                }
                self.raw(" / ");
                self.hours(c.limit_seconds);
                self.raw("</li>\n");
            }
            None => {
                self.raw("<li>");
                self.t("explain.elapsed")?;
                self.raw(" ");
                self.duration(c.elapsed_calendar);
                if c.paused {
                    self.raw(" ");
                    self.t("explain.after_pauses")?;
                }
                self.raw(" / ");
                self.duration(c.limit_seconds);
                self.raw("</li>");
            }
        }
        self.raw("\n");
        for y in &c.uncovered_years {
            self.raw("<li class=\"warn\">");
            self.t_fill("explain.uncovered", &[("year", y)])?;
            self.raw(" <code>");
            self.text(&c.calendar);
            self.raw("</code></li>");
        }
        self.raw("\n<li>");
        self.verdict(c)?;
        self.raw("</li>\n\n</ul>\n");
        Ok(())
    }

    /// `start_desc`: the event that starts the clock, or the target whose stop does.
    fn start_desc(&mut self, c: &Clock) -> R {
        match c.start_event.as_deref().filter(|s| !s.is_empty()) {
            Some(event) => {
                self.raw("<code>");
                self.text(event);
                self.raw("</code>");
            }
            None => {
                self.t("explain.stop_of")?;
                self.raw(" <code>");
                self.opt(c.start_after.as_deref());
                self.raw("</code>");
            }
        }
        Ok(())
    }

    /// The verdict line's content, after `<li>`.
    fn verdict(&mut self, c: &Clock) -> R {
        let d = &c.decision;
        self.t("explain.verdict")?;
        self.raw(": <b>");
        self.t(d.status)?;
        self.raw("</b>");
        match (d.status, &d.stop, &d.due) {
            ("met", Some(stop), _) => {
                self.raw(": ");
                self.at(stop)?;
                self.raw(" ≤ ");
                self.at_opt(d.due.as_ref())?;
            }
            ("breached", Some(stop), _) => {
                self.raw(": ");
                self.at(stop)?;
                self.raw(" &gt; ");
                self.at_opt(d.due.as_ref())?;
                self.raw(", ");
                self.t("explain.late_by")?;
                self.raw(" ");
                self.duration(d.over);
            }
            ("overdue", _, Some(due)) => {
                self.raw(": ");
                self.t("explain.not_stopped_short")?;
                self.raw(", ");
                self.at(&d.as_of)?;
                self.raw(" ≥ ");
                self.at(due)?;
                self.raw(", ");
                self.t("explain.past_due")?;
                self.raw(" ");
                self.duration(d.over);
            }
            ("open", _, Some(due)) => {
                self.raw(": ");
                self.t("explain.not_stopped_short")?;
                self.raw(", ");
                self.at(&d.as_of)?;
                self.raw(" &lt; ");
                self.at(due)?;
                if d.warning {
                    self.raw(" (");
                    self.t("explain.warning")?;
                    self.raw(")");
                }
            }
            _ if !d.note.is_empty() => {
                self.raw(": ");
                self.text(&d.note);
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
