//! Stage 6, render: the report context and the assessed records → files in `--out`.
//!
//! - Input: the [`ReportContext`] (for the HTML report) and the assessed records (for the
//!   record-level CSV tables), rejects and findings.
//! - Output: `report.html` (one self-contained file: inline CSS, no scripts or external
//!   assets), `complaints.csv`, `sla.csv`, `rejects.csv`, `findings.csv`; the manifest is
//!   written last by the pipeline.
//! - Failure policy: templates are compiled when loaded (all problems reported together, with
//!   `file:line`); a render error is fatal, because a half-rendered report is worse than none.
//!   Every file is written under a temporary name and renamed into place.
//!
//! Templates are minijinja files in `report_templates/` (`*.html.j2`, autoescaped as HTML).
//! User-visible words come from `report_templates/messages.toml` through `t("key")`, so the
//! same templates render Simplified Chinese (default) and English.

pub mod explain;
pub mod manifest;
pub mod parquet;
mod section;
pub mod tables;
pub mod xlsx;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use minijinja::value::Serde;
use minijinja::{Environment, Error as TplError, ErrorKind, UndefinedBehavior, Value};

use crate::config::{Config, Lang};
use crate::diagnostic::{Diagnostic, Diagnostics, display_path};
use crate::error::{Error, Result};
use crate::output::{AtomicFile, names, write_atomic};
use crate::pipeline::ingest::InputFile;
use crate::rejects::Rejects;
use crate::shipped::{self, Kind, Layered};

/// The entry template of the report.
pub const REPORT_TEMPLATE: &str = "report.html.j2";
/// The auditor's pack.
pub const AUDIT_TEMPLATE: &str = "audit.html.j2";
/// The message catalogue.
pub const MESSAGES: &str = "messages.toml";
/// Fuel for one render: stops a runaway template loop with an error.
const FUEL: u64 = 50_000_000;

/// Compiled templates and the message catalogue.
pub struct Templates {
    /// The user's folder over the shipped templates: where each file was read from.
    pub folder: Layered,
    /// Template name → the file it was read from (for diagnostics).
    paths: BTreeMap<String, PathBuf>,
    env: Environment<'static>,
    /// lang → key → text.
    messages: Arc<BTreeMap<String, BTreeMap<String, String>>>,
    /// The same, as the template values `t()` hands out.
    catalogue: Arc<Catalogue>,
    /// Template names, sorted.
    pub names: Vec<String>,
    /// Every file with its hash, for the manifest.
    pub files: Vec<crate::pipeline::rules::RuleFile>,
}

impl Templates {
    /// Loads and compiles every template: the user's folder `dir` over the shipped templates
    /// (`given`: the folder was named, so it must exist). Every problem is reported.
    pub fn load(dir: &Path, given: bool) -> Result<Templates> {
        let mut diags = Diagnostics::default();
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // minijinja keeps an error's detail (which name was undefined) only in debug mode, which
        // it turns on for debug builds alone: a release binary said "undefined value" without
        // the name. It costs only when an error is made.
        env.set_debug(true);
        env.set_fuel(Some(FUEL));
        // Bidi controls in the data (a project called `\u{202E}...`) would reorder what the
        // reader sees: every value printed shows them as visible marks, then is escaped.
        // A safe string is markup a template already rendered (an explanation section placed
        // by its page): its values were shown when it was rendered, and it is not scanned again.
        env.set_formatter(|out, state, value| {
            if value.is_safe() {
                return minijinja::escape_formatter(out, state, value);
            }
            match value.as_str().map(crate::privacy::show_bidi) {
                Some(std::borrow::Cow::Owned(shown)) => {
                    minijinja::escape_formatter(out, state, &Value::from(shown))
                }
                _ => minijinja::escape_formatter(out, state, value),
            }
        });
        // `.html.j2` names autoescape as HTML (minijinja strips `.j2`), which is what we want.
        let mut files = Vec::new();
        let mut names = Vec::new();
        if given && !dir.is_dir() {
            return Err(
                Diagnostic::new(display_path(dir), "template folder not found")
                    .help("pass --templates DIR or set `templates = \"...\"` in the config")
                    .into(),
            );
        }
        let folder = Layered::new(Kind::Templates, dir);
        let mut paths = BTreeMap::new();
        let mut messages = BTreeMap::new();
        for file in folder.all_files() {
            let (rel, path) = (file.rel, file.path);
            let Ok(src) = shipped::read_to_string(&path) else {
                diags.push(Diagnostic::new(
                    display_path(&path),
                    "cannot read the file (is it UTF-8?)",
                ));
                continue;
            };
            files.push(crate::pipeline::rules::RuleFile {
                path: display_path(&path).display().to_string(),
                sha256: crate::output::sha256_hex(src.as_bytes()),
            });
            if rel == MESSAGES {
                match toml::from_str::<BTreeMap<String, BTreeMap<String, String>>>(&src) {
                    Ok(m) => messages = m,
                    Err(e) => diags.push(crate::config::toml_diagnostic(
                        &display_path(&path),
                        &src,
                        &e,
                    )),
                }
                continue;
            }
            if !rel.ends_with(".j2") {
                continue;
            }
            paths.insert(rel.clone(), path);
            if let Err(e) = env.add_template_owned(rel.clone(), src.clone()) {
                diags.push(template_diagnostic(&paths, &e, Some(&src)));
            }
            names.push(rel);
        }
        let entry_dir = folder.dir_of(REPORT_TEMPLATE);
        if !names.iter().any(|n| n == REPORT_TEMPLATE) && diags.is_empty() {
            diags.push(Diagnostic::new(
                display_path(&entry_dir.join(REPORT_TEMPLATE)),
                "the report's entry template is missing",
            ));
        }
        for lang in ["zh", "en"] {
            if !messages.contains_key(lang) && diags.is_empty() {
                diags.push(Diagnostic::new(
                    display_path(&folder.dir_of(MESSAGES).join(MESSAGES)),
                    format!("no `[{lang}]` section of messages"),
                ));
            }
        }
        diags.into_result()?;
        let messages = Arc::new(messages);
        let catalogue = register(&mut env, &messages);
        Ok(Templates {
            folder,
            paths,
            env,
            messages,
            catalogue,
            names,
            files,
        })
    }

    /// Renders a template with a context. `lang` selects the messages.
    pub fn render<T: serde::Serialize>(&self, name: &str, ctx: &T) -> Result<String> {
        self.with_template(name, ctx, |tpl, ctx| tpl.render(ctx))
    }

    /// Renders a template with a context straight into `out`: an explanation page of tens of
    /// megabytes goes to its file without being held whole.
    pub fn render_to<T: serde::Serialize>(
        &self,
        name: &str,
        ctx: &T,
        out: &mut impl std::io::Write,
    ) -> Result<()> {
        self.with_template(name, ctx, |tpl, ctx| {
            tpl.render_captured_to(ctx, out).map(|_| ())
        })
    }

    /// Runs `f` on template `name` and the context, with the page's language set for `t()`,
    /// and reports a failure with the template's `file:line:col`.
    fn with_template<T: serde::Serialize, R>(
        &self,
        name: &str,
        ctx: &T,
        f: impl FnOnce(&minijinja::Template<'_, '_>, Value) -> std::result::Result<R, TplError>,
    ) -> Result<R> {
        let tpl = self
            .env
            .get_template(name)
            .map_err(|e| Error::Render(template_diagnostic(&self.paths, &e, None).to_string()))?;
        let ctx = Value::from(Serde(ctx));
        // Rendering is synchronous on this thread; the previous value is put back after, so
        // a nested render (none today) would not change its caller's language.
        let lang = ctx.get_attr("lang").ok().filter(|l| !l.is_undefined());
        let previous = PAGE_LANG.with(|l| l.replace(lang));
        let rendered = f(&tpl, ctx);
        PAGE_LANG.with(|l| *l.borrow_mut() = previous);
        rendered.map_err(|e| {
            let src = self
                .paths
                .get(e.name().unwrap_or(name))
                .and_then(|p| shipped::read_to_string(p).ok());
            Error::Diagnostics(Diagnostics(vec![template_diagnostic(
                &self.paths,
                &e,
                src.as_deref(),
            )]))
        })
    }

    /// True when the folder (or the shipped layer under it) has template `name`.
    pub fn has(&self, name: &str) -> bool {
        self.env.get_template(name).is_ok()
    }

    /// True when template `name` is the shipped one, word for word (from the built-in layer,
    /// or a folder's unchanged copy): what it reads of its context is known.
    pub fn is_shipped(&self, name: &str) -> bool {
        let Some(path) = self.paths.get(name) else {
            return false;
        };
        let shipped = std::path::Path::new(shipped::BUILTIN)
            .join(shipped::Kind::Templates.root())
            .join(name);
        match (shipped::builtin_bytes(&shipped), shipped::read(path)) {
            (Some(a), Ok(b)) => a == b.as_slice(),
            _ => false,
        }
    }

    /// A message in a language (the key itself when missing; `check` reports missing keys).
    pub fn message(&self, lang: Lang, key: &str) -> String {
        self.messages
            .get(lang.code())
            .and_then(|m| m.get(key))
            .cloned()
            .unwrap_or_else(|| key.to_owned())
    }

    /// The messages of a language as `t()` reads them.
    fn words(&self, lang: Lang) -> Option<&section::Words> {
        self.catalogue.get(lang.code())
    }

    /// The message catalogue keys for a language.
    pub fn message_keys(&self, lang: &str) -> Vec<String> {
        self.messages
            .get(lang)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }
}

/// A minijinja error as a diagnostic, pointing into the template. An error inside an included
/// partial arrives wrapped in the include's error; the innermost one says where it really is.
fn template_diagnostic(
    paths: &BTreeMap<String, PathBuf>,
    outer: &TplError,
    src: Option<&str>,
) -> Diagnostic {
    let path_of = |name: &str| {
        paths
            .get(name)
            .cloned()
            .unwrap_or_else(|| PathBuf::from(name))
    };
    let mut e = outer;
    while let Some(inner) = std::error::Error::source(e).and_then(|x| x.downcast_ref::<TplError>())
    {
        e = inner;
    }
    let inner_src;
    let src = if std::ptr::eq(e, outer) {
        src
    } else {
        inner_src = e
            .name()
            .and_then(|n| shipped::read_to_string(&path_of(n)).ok());
        inner_src.as_deref()
    };
    let name = e.name().unwrap_or("?");
    let path = display_path(&path_of(name));
    let mut msg = match e.detail() {
        Some(d) => format!("{}: {d}", e.kind()),
        None => e.kind().to_string(),
    };
    let missing_message = e.detail().is_some_and(|x| x.starts_with("no message"));
    if e.kind() == ErrorKind::UndefinedError && !missing_message {
        msg = format!("{msg} (a variable or attribute that the report context does not have)");
    }
    let mut d = Diagnostic::new(path, msg);
    if let (Some(src), Some(line)) = (src, e.line()) {
        let col = e
            .range()
            .map(|r| crate::diagnostic::line_col(src, r.start).1)
            .unwrap_or(1);
        d = d.at(src, line, col);
    }
    if missing_message {
        d = d.help(format!(
            "add the key to both the [zh] and [en] sections of {MESSAGES}"
        ));
    } else if e.kind() == ErrorKind::UndefinedError {
        d = d.help("`complaints context` prints every field the templates receive; docs/TEMPLATES.md documents them");
    } else if e.detail().is_some_and(|x| x.contains("expected end of")) {
        d = d.help("a `{% for %}`, `{% if %}`, `{% block %}` or `{% macro %}` is not closed (`{% endfor %}`, `{% endif %}`, ...)");
    }
    d
}

/// lang → key → text, as template values.
type Catalogue = rustc_hash::FxHashMap<String, rustc_hash::FxHashMap<String, Value>>;

thread_local! {
    /// The language of the page this thread is rendering (`lang` of its context), set by
    /// [`Templates::render`]: `t()` runs millions of times on the explanation pages, and
    /// finding `lang` in the template's scopes each time was a visible share of them.
    static PAGE_LANG: std::cell::RefCell<Option<Value>> = const { std::cell::RefCell::new(None) };
}

/// Message `key` in the language of the page being rendered.
fn word(
    m: &Catalogue,
    state: &minijinja::State<'_, '_>,
    key: &str,
) -> std::result::Result<Value, TplError> {
    let lang = PAGE_LANG
        .with(|l| l.borrow().clone())
        .or_else(|| state.lookup("lang"));
    let lang = lang.as_ref().and_then(Value::as_str).unwrap_or("zh");
    m.get(lang)
        .and_then(|t| t.get(key))
        .cloned()
        .ok_or_else(|| {
            TplError::new(
                ErrorKind::UndefinedError,
                format!("no message `{key}` for language `{lang}` in {MESSAGES}"),
            )
        })
}

/// Filters and functions the templates use (documented in docs/TEMPLATES.md); returns the
/// catalogue `t()` reads.
fn register(
    env: &mut Environment<'static>,
    messages: &Arc<BTreeMap<String, BTreeMap<String, String>>>,
) -> Arc<Catalogue> {
    // Files of the output folder a page links to by name (not data: the same for every run).
    env.add_global(
        "files",
        Value::from(Serde(&BTreeMap::from([(
            "procedures",
            crate::output::names::PROCEDURES_MD,
        )]))),
    );
    // Looked up millions of times on the explanation pages: hashed, and handed out as
    // `Value`s (a shared string each) rather than cloned into a new `String` per call.
    let catalogue: Arc<Catalogue> = Arc::new(
        messages
            .iter()
            .map(|(lang, words)| {
                let words = words
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
                    .collect();
                (lang.clone(), words)
            })
            .collect(),
    );
    let m = catalogue.clone();
    // `t("explain.working_day_n", n=3, of=7)`: the message with `{n}` and `{of}` filled in.
    // One call where `t(..) | replace(..) | replace(..)` took five: the explanation pages
    // word every counted day this way.
    env.add_function(
        "t",
        move |state: &minijinja::State<'_, '_>,
              key: &str,
              fill: minijinja::value::Kwargs|
              -> std::result::Result<Value, TplError> {
            let word = word(&m, state, key)?;
            let mut names = fill.args().peekable();
            if names.peek().is_none() {
                return Ok(word);
            }
            let mut text = word.as_str().unwrap_or_default().to_owned();
            for name in names {
                let value: Value = fill.get(name)?;
                text = text.replace(&format!("{{{name}}}"), &value.to_string());
            }
            Ok(Value::from(text))
        },
    );
    // A moment of the explanation pages (`{time, weekday}`): `2026-10-02 21:00:00 (周五)`.
    let m = catalogue.clone();
    env.add_filter(
        "at",
        move |state: &minijinja::State<'_, '_>,
              v: Value|
              -> std::result::Result<String, TplError> {
            defined(&v, "at")?;
            let weekday = v.get_attr("weekday")?;
            let day = word(&m, state, &format!("weekday.{weekday}"))?;
            Ok(format!("{} ({day})", v.get_attr("time")?))
        },
    );
    // A weekday number (0 = Monday) in words: `周五`, `Fri`.
    let m = catalogue.clone();
    env.add_filter(
        "weekday",
        move |state: &minijinja::State<'_, '_>, v: Value| -> std::result::Result<Value, TplError> {
            defined(&v, "weekday")?;
            word(&m, state, &format!("weekday.{v}"))
        },
    );
    // A calendar day of the explanation pages (`{kind, name}`) in words: `法定节假日 国庆节`.
    let m = catalogue.clone();
    env.add_filter(
        "day",
        move |state: &minijinja::State<'_, '_>,
              v: Value|
              -> std::result::Result<String, TplError> {
            defined(&v, "day")?;
            let kind = v.get_attr("kind")?;
            let text = word(&m, state, &format!("explain.day.{kind}"))?;
            Ok(match kind.as_str() {
                Some("workday" | "weekend") => text.to_string(),
                _ => format!("{text} {}", v.get_attr("name")?),
            })
        },
    );
    // Names as code, comma-separated: `<code>on_site</code>, <code>replied</code>`.
    env.add_filter(
        "codes",
        |v: Value| -> std::result::Result<Value, TplError> {
            defined(&v, "codes")?;
            let mut out = String::new();
            for (k, item) in v.try_iter()?.enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                let text = item.to_string();
                out.push_str(&format!("<code>{}</code>", minijinja::HtmlEscape(&text)));
            }
            Ok(Value::from_safe_string(out))
        },
    );
    // Strict like the rest of the environment: a misspelled field piped into a filter is an
    // error naming the template and line, not an empty cell.
    fn defined(v: &Value, filter: &str) -> Result<(), TplError> {
        if v.is_undefined() {
            Err(TplError::new(
                ErrorKind::UndefinedError,
                format!("the `{filter}` filter was given an undefined value (a misspelled field?)"),
            ))
        } else {
            Ok(())
        }
    }
    env.add_filter("num", |v: Value| -> Result<String, TplError> {
        defined(&v, "num")?;
        Ok(match v.as_i64() {
            Some(i) => crate::format::thousands(i),
            None => v.to_string(),
        })
    });
    // Durations of the explanation pages: seconds in words in the page's language (`2天3小时`,
    // `2 d 3 h`), and working time in hours and minutes.
    env.add_filter(
        "duration",
        |state: &minijinja::State<'_, '_>, v: Value| -> Result<String, TplError> {
            defined(&v, "duration")?;
            let en = state
                .lookup("lang")
                .is_some_and(|l| l.as_str() == Some("en"));
            let lang = if en { Lang::En } else { Lang::Zh };
            Ok(crate::format::duration_text(v.as_i64().unwrap_or(0), lang))
        },
    );
    env.add_filter("hours", |v: Value| -> Result<String, TplError> {
        defined(&v, "hours")?;
        Ok(crate::format::hours_text(v.as_i64().unwrap_or(0)))
    });
    env.add_filter("pct", |v: Value| -> Result<String, TplError> {
        defined(&v, "pct")?;
        if v.is_none() {
            return Ok("—".to_owned());
        }
        Ok(f64::try_from(v).map_or_else(|_| "—".to_owned(), |f| format!("{:.1}%", f * 100.0)))
    });
    catalogue
}

/// What the render stage needs.
pub struct RenderInput<'a> {
    /// Run config.
    pub cfg: &'a Config,
    /// The rules.
    pub rules: &'a crate::pipeline::rules::RuleSet,
    /// The templates.
    pub templates: &'a Templates,
    /// Input files.
    pub files: &'a [InputFile],
    /// The assessed table.
    pub assessed: &'a crate::pipeline::assess::Assessed,
    /// Rejects and findings.
    pub rejects: &'a Rejects,
    /// The pages.
    pub pages: &'a crate::pipeline::aggregate::Aggregated,
}

/// Writes the report pages, the audit packs, the explanation pages and the tables.
///
/// The workbook is built on one thread (rust_xlsxwriter is sequential) while the pages and the
/// record-level CSVs, which render in parallel chunks, take the other cores.
pub fn run(input: &RenderInput<'_>) -> Result<()> {
    let out = &input.cfg.out_dir;
    let (workbook, rest) = rayon::join(
        || xlsx::write(&out.join(names::REPORT_XLSX), input),
        || pages_and_tables(input),
    );
    rest?;
    workbook
}

fn pages_and_tables(input: &RenderInput<'_>) -> Result<()> {
    let out = &input.cfg.out_dir;
    let write = |rel: &str, text: &str| -> Result<()> {
        let path = out.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        write_atomic(&path, text.as_bytes())
    };
    // Pages render independently (one file each): in parallel, while the workbook takes one
    // core. Results are collected in page order, so a template error is reported for the first
    // failing page whatever the threads did.
    use rayon::prelude::*;
    let pages: Vec<Result<()>> = input
        .pages
        .pages
        .par_iter()
        .map(|page| {
            let templates = input.templates;
            write(
                &page.path,
                &templates.render(REPORT_TEMPLATE, &page.context)?,
            )?;
            if let Some(audit) = &page.audit_path {
                write(audit, &templates.render(AUDIT_TEMPLATE, &page.context)?)?;
            }
            Ok(())
        })
        .collect();
    pages.into_iter().collect::<Result<()>>()?;
    crate::output::checkpoint("pages");
    // Pages that explain the same complaints (with `--period all`, the top-level page and its
    // month's) are rendered once and written to each path.
    let mut by_set: BTreeMap<&std::collections::BTreeSet<usize>, Vec<&String>> = BTreeMap::new();
    for (rel, ids) in &input.pages.explanations {
        by_set.entry(ids).or_default().push(rel);
    }
    let explained: Vec<Result<()>> = by_set
        .into_par_iter()
        .map(|(ids, rels)| {
            let (first, rest) = rels.split_first().expect("a set has a page");
            let path = out.join(first);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            }
            let mut file = AtomicFile::create(&path)?;
            explanations(input, ids, &mut file, &path)?;
            file.commit()?;
            // The same page at another path (the top-level page and its month's).
            rest.iter().try_for_each(|rel| {
                let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
                let dest = out.join(rel);
                if let Some(dir) = dest.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
                }
                write_atomic(&dest, &bytes)
            })
        })
        .collect();
    explained.into_iter().collect::<Result<()>>()?;
    tables::rejects_csv(
        &out.join(names::REJECTS_CSV),
        input.rejects,
        input.files,
        input.cfg.unmask,
    )?;
    tables::findings_csv(&out.join(names::FINDINGS_CSV), input.rejects, input.files)?;
    write(names::PROCEDURES_MD, &procedures_in_use(input))
}

/// The procedure table for the rules in use (`procedures.md`, linked from the report's rule
/// coverage): each time limit and escalation rule they implement, with its test, and what the
/// same procedures leave unaudited.
fn procedures_in_use(input: &RenderInput<'_>) -> String {
    use crate::pipeline::rules::procedures::{cases, table};
    let rules = input.rules;
    let cases = cases::index(&rules.dir.join("tests"));
    let intro = if rules.procedures.path.is_some() {
        "The numbered time limits (T) and escalation rules (E) of the source procedures that \
         this run's rules implement, the test case that covers each, and the rules of the same \
         procedures that no log can show. Written by `complaints run`; `docs/PROCEDURES.md` has \
         the whole library."
    } else {
        "This rule folder has no `procedures.toml`: the table lists what its presets and duties \
         say they implement (`implements`), without the library's gaps and counts."
    };
    table::build(
        &rules.procedures,
        &rules.targets,
        &rules.duties,
        &cases,
        table::Scope::InUse,
    )
    .markdown(&rules.procedures, "Procedures in use", intro)
}

/// One page holding the explanation of each listed complaint, anchored by its ID, so the
/// report's lists can link to `explain.html#ID`.
fn explanations(
    input: &RenderInput<'_>,
    ids: &std::collections::BTreeSet<usize>,
    out: &mut impl std::io::Write,
    path: &Path,
) -> Result<()> {
    let cls = &input.assessed.complaints.classified;
    let mut order: Vec<usize> = ids.iter().copied().collect();
    order.sort_by(|a, b| cls.complaints[*a].id.cmp(&cls.complaints[*b].id));
    // Read from the assessed table: the trace of each complaint's evaluation, its verdicts
    // (the page's verdicts in one batch of reads; a page holds them, a few MB).
    let verdicts = input.assessed.verdicts.of_many(&order)?;
    let at: rustc_hash::FxHashMap<usize, usize> =
        order.iter().enumerate().map(|(k, &i)| (i, k)).collect();
    let cfg = input.cfg;
    explain::page(
        input.templates,
        &explain::PageInfo {
            lang: cfg.lang,
            unmasked: cfg.unmask,
            as_of: cfg.zone.format(cfg.as_of),
        },
        &order,
        |i| {
            crate::pipeline::explain::complaint(
                cfg,
                input.rules,
                input.files,
                input.assessed,
                i,
                cfg.lang,
                &verdicts[at[&i]],
            )
        },
        out,
        path,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(src: &str, ctx: serde_json::Value) -> std::result::Result<String, TplError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        register(&mut env, &Arc::new(BTreeMap::new()));
        env.render_str(src, Value::from(Serde(&ctx)))
    }

    #[test]
    fn num_and_pct_format_values_and_refuse_undefined_ones() {
        let ctx = serde_json::json!({ "n": 6318, "r": 0.153, "none": null });
        assert_eq!(render("{{ n | num }}", ctx.clone()).unwrap(), "6,318");
        assert_eq!(render("{{ r | pct }}", ctx.clone()).unwrap(), "15.3%");
        assert_eq!(render("{{ none | pct }}", ctx.clone()).unwrap(), "—");
        for src in ["{{ recieved | num }}", "{{ recieved | pct }}"] {
            let e = render(src, ctx.clone()).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::UndefinedError, "{src}");
        }
    }

    #[test]
    fn t_fills_the_placeholders_it_is_given_and_escapes_the_result() {
        let words = BTreeMap::from([(
            "zh".to_owned(),
            BTreeMap::from([
                ("nth".to_owned(), "第 {n} 个工作日（共 {of} 个）".to_owned()),
                ("plain".to_owned(), "<b>".to_owned()),
            ]),
        )]);
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        register(&mut env, &Arc::new(words));
        let ctx = Value::from(Serde(&serde_json::json!({ "lang": "zh", "d": 3 })));
        let r = |src: &str| env.render_named_str("t.html", src, ctx.clone()).unwrap();
        assert_eq!(
            r(r#"{{ t("nth", n=d, of=7) }}"#),
            "第 3 个工作日（共 7 个）"
        );
        // The same as the filter chain it replaces.
        assert_eq!(
            r(r#"{{ t("nth", n=d, of=7) }}"#),
            r(r#"{{ t("nth") | replace("{n}", d | string) | replace("{of}", 7 | string) }}"#)
        );
        // A placeholder the message lacks is ignored; a filled value is escaped like any other.
        assert_eq!(r(r#"{{ t("plain", n=1) }}"#), "&lt;b&gt;");
        assert_eq!(
            r(r#"{{ t("nth", n="<i>", of=1) }}"#),
            "第 &lt;i&gt; 个工作日（共 1 个）"
        );
    }
}
