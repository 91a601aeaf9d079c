//! `complaints init --from EXPORT`: from an export the tool has never seen to a commented
//! `complaints.toml`. It reads the header and the first rows, proposes the column mapping with
//! a reason for each choice ([`propose`]), detects the encoding, the timestamp forms and the
//! null markers, chooses the shipped SLA targets these columns can measure, writes the config
//! in the working directory (never over an existing one without `--force`) and checks that the
//! config loads. `run` then needs nothing else.

mod propose;

use std::fmt::Write as _;
use std::path::Path;

use crate::cli::InitArgs;
use crate::config::{Config, DEFAULT_CONFIG, DEFAULT_NULL_VALUES};
use crate::error::{Error, Result};
use crate::model::{Field, Stage};
use crate::pipeline::ingest::{self, IngestOptions, Source};
use crate::pipeline::normalize::NullSet;
use crate::pipeline::rules::presets::targets::{Start, TargetSet};
use crate::time::Ts;
use crate::time::detect::{DateOrder, Detection};
use crate::time::forms::BUILTIN_EXAMPLES;
use crate::ui;

use self::propose::{Choice, Column};

/// A row is the header when it has at least two cells and none is a number or a timestamp
/// (exports may carry a title row above it, which has one cell).
fn looks_like_header(cells: &[String]) -> bool {
    let filled: Vec<&str> = cells
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .collect();
    filled.len() >= 2
        && filled
            .iter()
            .all(|c| c.parse::<f64>().is_err() && crate::time::read_builtin(c).is_err())
}

/// What the proposal says about timestamps: the patterns to declare (in the order first met),
/// the date order they assume, and the columns they were found in.
struct TimeForms {
    patterns: Vec<String>,
    order: Option<DateOrder>,
    columns: Vec<String>,
    ambiguous: Vec<String>,
}

fn time_forms(columns: &[Column]) -> TimeForms {
    let mut t = TimeForms {
        patterns: Vec::new(),
        order: None,
        columns: Vec::new(),
        ambiguous: Vec::new(),
    };
    for c in columns {
        match &c.times {
            Some(Detection::Patterns { patterns, .. }) => {
                t.columns.push(c.header.clone());
                for p in patterns {
                    let text = p.text().to_owned();
                    if text.starts_with("%m") {
                        t.order = Some(DateOrder::Mdy);
                    } else if text.starts_with("%d") && t.order.is_none() {
                        t.order = Some(DateOrder::Dmy);
                    }
                    if !t.patterns.contains(&text) {
                        t.patterns.push(text);
                    }
                }
            }
            Some(Detection::Ambiguous { .. }) => t.ambiguous.push(c.header.clone()),
            _ => {}
        }
    }
    t
}

/// The presets of the procedure the shipped rules are built around (docs/SLA.md §12); the
/// other shipped presets are alternative procedures a user selects knowingly.
const MAIN_PRESETS: &[&str] = &["three_level", "acknowledgement", "followup", "resolution"];

/// The targets of the main presets (of every preset, when the rule folder has none of them)
/// whose clock these columns can run: the start is receipt, a mapped stage or the stop of a
/// chosen target, and at least one stop is a mapped stage.
fn measurable(targets: &TargetSet, mapped: &[Field]) -> Vec<String> {
    let main = targets
        .presets
        .iter()
        .any(|p| MAIN_PRESETS.contains(&p.name.as_str()));
    let considered = |preset: &str| !main || MAIN_PRESETS.contains(&preset);
    let stage_mapped = |event: &str| {
        Stage::ALL
            .iter()
            .any(|s| s.name() == event && mapped.contains(&s.field()))
    };
    let mut chosen: Vec<usize> = Vec::new();
    // Targets are in evaluation order: a chained one comes after the target it follows.
    for (i, t) in targets.targets.iter().enumerate() {
        let starts = match &t.start {
            Start::Event(e) => stage_mapped(e),
            Start::After(j) => chosen.contains(j),
        };
        if considered(&t.preset) && starts && t.stop.iter().any(|s| stage_mapped(s)) {
            chosen.push(i);
        }
    }
    chosen
        .into_iter()
        .map(|i| targets.targets[i].name.clone())
        .collect()
}

/// A TOML string literal.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn list(items: &[String]) -> String {
    let q: Vec<String> = items.iter().map(|s| quoted(s)).collect();
    format!("[{}]", q.join(", "))
}

/// The config text.
fn config_text(
    export: &Path,
    file: &ingest::InputFile,
    columns: &[Column],
    choices: &[Choice],
    forms: &TimeForms,
    targets: &[String],
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# complaints.toml — written by `complaints init --from {}`.\n# Every key is explained in docs/CONFIG.md; the reasons for each choice are in the comments.\n",
        export.display()
    );
    let _ = writeln!(
        s,
        "# The zone the export's wall-clock times are in; times with a zone (`UTC`, `+08:00`) are\n# converted to it. Set your own (e.g. \"America/Chicago\") for exports from elsewhere.\ntimezone = \"Asia/Shanghai\""
    );
    let _ = writeln!(s, "inputs = [{}]\n", quoted(&export.to_string_lossy()));
    let _ = writeln!(s, "[ingest]");
    let (enc, detected) = match file.encoding.as_str() {
        "xlsx" => ("auto", "a workbook, no text encoding"),
        e if e.starts_with("gb") => ("gbk", e),
        e => ("auto", e),
    };
    let _ = writeln!(s, "encoding = \"{enc}\"            # detected: {detected}");
    if forms.patterns.is_empty() {
        let _ = writeln!(
            s,
            "# timestamps: the built-in forms read every sampled time ({BUILTIN_EXAMPLES})"
        );
    } else {
        let _ = writeln!(
            s,
            "# Detected in {}; the built-in forms ({BUILTIN_EXAMPLES}) are read too.",
            forms.columns.join(", ")
        );
        let _ = writeln!(s, "timestamp_forms = {}", list(&forms.patterns));
    }
    match (forms.order, forms.ambiguous.is_empty()) {
        (Some(o), _) => {
            let _ = writeln!(s, "date_order = \"{}\"", o.name());
        }
        (None, false) => {
            let _ = writeln!(
                s,
                "# {} read(s) both day-first and month-first in every sampled row: say which.\n# date_order = \"mdy\"   # or \"dmy\"",
                forms.ambiguous.join(", ")
            );
        }
        (None, true) => {}
    }
    let found: Vec<String> = columns
        .iter()
        .filter(|c| !c.nulls.is_empty())
        .map(|c| {
            let m: Vec<String> = c.nulls.iter().map(|(v, n)| format!("{v} ×{n}")).collect();
            format!("{} ({})", c.header, m.join(", "))
        })
        .collect();
    let defaults: Vec<String> = DEFAULT_NULL_VALUES
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    if found.is_empty() {
        let _ = writeln!(s, "# No null markers in the sample; these are the default:");
    } else {
        let _ = writeln!(
            s,
            "# Cells meaning \"no value\" (the default list). Found here: {}",
            found.join("; ")
        );
    }
    let _ = writeln!(s, "null_values = {}\n", list(&defaults));
    let _ = writeln!(s, "[profile.aliases]");
    let mut by_field: Vec<&Choice> = choices.iter().collect();
    by_field.sort_by_key(|c| Field::ALL.iter().position(|f| *f == c.field));
    for c in by_field {
        let _ = writeln!(
            s,
            "{} = [{}]    # {}",
            c.field.name(),
            quoted(&columns[c.column].header),
            c.reason
        );
    }
    let unmapped: Vec<&Column> = columns
        .iter()
        .enumerate()
        .filter(|(i, _)| !choices.iter().any(|c| c.column == *i))
        .map(|(_, c)| c)
        .collect();
    if !unmapped.is_empty() {
        let names: Vec<&str> = unmapped.iter().map(|c| c.header.as_str()).collect();
        let _ = writeln!(
            s,
            "# Not mapped (carried through; rules read them as c.extra[\"...\"]): {}",
            names.join(", ")
        );
        for c in unmapped.iter().filter(|c| c.times.is_some()) {
            let _ = writeln!(
                s,
                "# {} holds times: an SLA target can take its due time from it (deadline_field = {}, docs/SLA.md §6).",
                c.header,
                quoted(&c.header)
            );
        }
    }
    let _ = writeln!(s, "\n[sla]");
    if targets.is_empty() {
        let _ = writeln!(
            s,
            "# No shipped target can be measured: none starts and stops on columns this export has.\n# Add a preset in rules/sla/ (docs/SLA.md) and name its targets here."
        );
    } else {
        let _ = writeln!(
            s,
            "# The shipped targets whose start and stop this export records (docs/SLA.md §12);\n# the other shipped procedures (major_important_minor, owners_committee, service_centre,\n# urgent_general) are selected with `presets`."
        );
    }
    let _ = writeln!(s, "targets = {}\n", list(targets));
    let _ = writeln!(
        s,
        "[audit]\n# The shipped escalation duties need an event log and the resolution target (docs/AUDIT.md).\nduties = []"
    );
    s
}

/// Runs `init`; the exit code.
pub fn run(args: &InitArgs, now: Ts, quiet: bool) -> Result<i32> {
    let target = Path::new(DEFAULT_CONFIG);
    if target.exists() && !args.force {
        return Err(Error::Usage(format!(
            "{DEFAULT_CONFIG} already exists; pass --force to replace it"
        )));
    }
    let meter = crate::progress::Meter::hidden();
    let opts = IngestOptions {
        encoding: crate::config::EncodingChoice::Auto,
        sheet: None,
        is_header: &looks_like_header,
        chunk_bytes: ingest::CHUNK_BYTES,
        progress: &meter,
    };
    let src = Source::open(&args.from, 0, &opts)?;
    let defaults: Vec<String> = DEFAULT_NULL_VALUES
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let columns = propose::columns(&src.headers, &src.sample, &NullSet::new(&defaults));
    let choices = propose::choose(&columns);
    let forms = time_forms(&columns);
    let mapped: Vec<Field> = choices.iter().map(|c| c.field).collect();
    let shipped = Config::defaults(now)?;
    let rules = crate::pipeline::rules::RuleSet::load(&shipped)?;
    let targets = measurable(&rules.targets, &mapped);
    let text = config_text(&args.from, &src.file, &columns, &choices, &forms, &targets);
    crate::output::write_atomic(target, text.as_bytes())?;

    let mut report = format!(
        "read {}: {}, header on line {}, {} rows sampled",
        src.file.display,
        src.file.encoding,
        src.file.header_line,
        src.sample.len()
    );
    for (i, c) in columns.iter().enumerate() {
        let line = match choices.iter().find(|x| x.column == i) {
            Some(x) => format!("  {} → {} ({})", c.header, x.field.name(), x.reason),
            None => format!("  {} → not mapped (carried through)", c.header),
        };
        let _ = write!(report, "\n{line}");
    }
    let missing: Vec<&str> = Field::ALL
        .iter()
        .filter(|f| **f != Field::SatisfactionRaw && !mapped.contains(f))
        .map(|f| f.name())
        .collect();
    let _ = write!(report, "\nfields not found: {}", missing.join(", "));
    if !forms.patterns.is_empty() {
        let _ = write!(report, "\ntimestamp forms: {}", forms.patterns.join(", "));
    }
    let _ = write!(
        report,
        "\nSLA targets: {}",
        if targets.is_empty() {
            "none of the shipped ones can be measured".to_owned()
        } else {
            targets.join(", ")
        }
    );
    for f in [Field::ComplaintId, Field::ReceivedAt] {
        if !mapped.contains(&f) {
            let _ = write!(
                report,
                "\nwarning: no column found for `{}`: name it in [profile.aliases] before `run`",
                f.name()
            );
        }
    }
    let _ = write!(report, "\nwrote {DEFAULT_CONFIG}; next: complaints run");
    ui::note(quiet, &report);
    // The config must load as written: a proposal `run` would refuse is a bug here.
    let written = Config::load(
        Some(target),
        &crate::config::Overrides {
            skip_inputs: true,
            ..crate::config::Overrides::default()
        },
        now,
    )?;
    crate::pipeline::prepare(&written)?;
    Ok(0)
}

#[cfg(test)]
mod tests;
