//! Stage 3, rules: everything in the rule folder, compiled before any data is read, and the
//! `classify` entry point run over the complaints.
//!
//! The rule folder (`rules/` by default; documented in `docs/RULES.md`):
//! - `rules.toml`: the rule set's name, its level and category vocabularies (codes, names,
//!   report order) and settings per decision table;
//! - `classify.rhai`: `fn classify(c)` returns `#{ level: .., category: .., ... }`;
//! - `tables/`: decision tables (CSV, XLSX or TOML) scripts call with `table("name", c)`;
//! - `sla/`: SLA target presets (TOML), see [`crate::pipeline::sla`];
//! - `duties/`: escalation duties (TOML) the audit checks, see [`crate::pipeline::audit`];
//! - `procedures.toml`: the procedure bundles that select presets and duties, the numbered
//!   rules no log can show, and the limits the company sets, see [`procedures`];
//! - `calendars/`: business calendars (TOML) and holiday tables;
//! - `tests/`: test cases run by `complaints test`.
//!
//! Failure policy: any compile problem (syntax, a missing entry function, a property that is
//! not a field, a broken table, preset or calendar) is a [`Diagnostic`] and all of them are
//! reported together before the run starts. A script that fails on one record rejects that
//! record (stage `classify`) and the run goes on, unless `--strict`.

pub mod analysis;
pub mod classify;
pub mod coverage;
pub mod engine;
pub mod failure;
pub mod guards;
mod keys;
pub mod kpis;
pub mod presets;
pub mod procedures;
pub mod tables;
pub mod text;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rhai::{AST, Engine};
use serde::{Deserialize, Serialize};

use self::analysis::Reads;
use self::engine::RuleEnv;
use self::presets::targets::TargetSet;
use self::tables::{HitPolicy, Table};
use crate::calendar::Calendar;
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean, display_path};
use crate::error::Result;
use crate::model::Field;
use crate::shipped::{self, Kind, Layered};
use toml::Spanned;

/// The rule set's manifest file name.
pub const MANIFEST: &str = "rules.toml";

/// A code in a vocabulary (a level or a category) with its names.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    /// The value rules return (`I`, `公共设施`).
    pub code: String,
    /// The Chinese name shown in reports.
    pub name: String,
    /// The English name (`--lang en`).
    pub name_en: Option<String>,
    /// Short letter code (e.g. the owners' committee A–I codes).
    pub letter: Option<String>,
}

/// Settings for one table.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TableSettings {
    /// `first` (default) or `collect`.
    pub hit: Option<HitPolicy>,
    /// What the table decides.
    pub description: Option<String>,
    /// The table has no default row on purpose (a script falls back with `??`).
    #[serde(default)]
    pub no_default: bool,
}

/// `[kpi]` in `rules.toml`, from before `kpis.toml`: the parameters and the two targets of the
/// built-in indicators. Still read when a rule folder has no `kpis.toml`, with a warning.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct KpiSettings {
    /// The SLA target whose met rate is 受理及时率.
    pub acknowledgement_target: String,
    /// 受理及时率 target (003-H2: ≥ 90 %).
    pub acknowledgement_rate: f64,
    /// 处理满意率 target (003-H2: ≥ 80 %).
    pub satisfaction_rate: f64,
    /// A score at or above this counts as satisfied (002: under 80 → 回头看).
    pub satisfied_score: f64,
    /// The SLA target that measures resolution (for the overdue and 红黑榜 views).
    pub resolution_target: String,
    /// Events that count as the first response.
    pub response_events: Vec<String>,
    /// Days within which the same unit and category makes a repeat complaint.
    pub repeat_days: i64,
}

impl Default for KpiSettings {
    fn default() -> Self {
        KpiSettings {
            acknowledgement_target: "acknowledge_1wd".into(),
            acknowledgement_rate: 0.9,
            satisfaction_rate: 0.8,
            satisfied_score: 80.0,
            resolution_target: "resolve_7wd".into(),
            response_events: vec!["acknowledged".into(), "on_site".into(), "replied".into()],
            repeat_days: 30,
        }
    }
}

/// `rules/rules.toml`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RulesManifest {
    /// The rule set's name, shown in reports.
    pub name: Option<String>,
    /// Its English name (`--lang en`; default: `name`).
    pub name_en: Option<String>,
    /// Where the rules come from (procedure names, document references).
    pub source: Option<String>,
    /// Levels in report order.
    #[serde(default)]
    pub level: Vec<Term>,
    /// Categories in report order.
    #[serde(default)]
    pub category: Vec<Term>,
    /// Per-table settings.
    #[serde(default)]
    pub tables: BTreeMap<String, TableSettings>,
    /// The legacy indicator settings (see [`KpiSettings`]).
    pub kpi: Option<KpiSettings>,
}

impl RulesManifest {
    /// The rule set's name in the report language (the Chinese name when no English one is
    /// given; empty without a name).
    pub fn name_in(&self, lang: crate::format::Lang) -> String {
        match lang {
            crate::format::Lang::En => self.name_en.as_ref().or(self.name.as_ref()),
            crate::format::Lang::Zh => self.name.as_ref(),
        }
        .cloned()
        .unwrap_or_default()
    }
}

/// A compiled entry script.
pub struct Entry {
    /// Entry function name (`classify`).
    pub name: &'static str,
    /// The script file.
    pub path: PathBuf,
    /// Its source (kept for diagnostics).
    pub source: String,
    /// Compiled.
    pub ast: AST,
    /// What the entry function reads from its record.
    pub reads: Reads,
    /// How each field read is used (`None` when anything may be read): fields that only reach
    /// decision-table inputs let complaints share an evaluation by keyword matches.
    pub uses: Option<std::collections::BTreeMap<String, analysis::FieldUse>>,
    /// The validation guards at the top of the function, compiled natively, and what the
    /// rest of it reads: `None` when it has no such guards, or the rest reads the whole record.
    pub fast: Option<FastPath>,
}

/// An entry function split into native guards and the rest (`guards.rs`): complaints that
/// pass every guard share evaluations of the rest by the fields it reads.
pub struct FastPath {
    /// The guards and the script without them.
    pub guarded: guards::Guarded,
    /// What the rest reads.
    pub reads: Reads,
    /// How the rest uses each field it reads.
    pub uses: Option<std::collections::BTreeMap<String, analysis::FieldUse>>,
}

/// A file the rule set was built from, for the manifest.
#[derive(Debug, Clone, Serialize)]
pub struct RuleFile {
    /// As shown.
    pub path: String,
    /// Hex sha256.
    pub sha256: String,
}

/// Everything in the rule folder, compiled.
pub struct RuleSet {
    /// The folder (as given; it may not exist when the shipped rules are used as they are).
    pub dir: PathBuf,
    /// The user's folder over the shipped rules: where each file was read from.
    pub folder: Layered,
    /// `rules.toml`.
    pub manifest: RulesManifest,
    /// Data the helpers use (tables, calendars, zone).
    pub env: Arc<RuleEnv>,
    /// The sandboxed engine.
    pub engine: Engine,
    /// `classify.rhai`.
    pub classify: Entry,
    /// Active SLA targets.
    pub targets: TargetSet,
    /// Active escalation duties.
    pub duties: presets::duties::DutySet,
    /// The procedure library (`procedures.toml`; empty when the folder has none).
    pub procedures: procedures::Library,
    /// The report's indicators (`kpis.toml`).
    pub kpis: kpis::KpiSet,
    /// Every file read, with hashes.
    pub files: Vec<RuleFile>,
    /// Each calendar's file (`check` shows where each piece of the rule set came from).
    pub calendar_paths: BTreeMap<String, PathBuf>,
    /// The environment's calendar names, in name order: a [`CalendarId`] indexes them.
    pub calendar_names: Vec<String>,
    /// The calendars in the same order.
    calendars: Vec<Arc<Calendar>>,
    /// The default calendar's code.
    default_calendar: CalendarId,
    /// Warnings found while compiling (shown by `check` and `run`).
    pub warnings: Vec<Diagnostic>,
}

/// A calendar a verdict was counted on: its place among the rule set's calendars in name
/// order ([`RuleSet::calendar_name`]). A code rather than the name as a shared string: a
/// verdict is built on one core and dropped on another, and the name's reference count,
/// raised and dropped for each of millions of verdicts, went back and forth between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CalendarId(pub u16);

impl RuleSet {
    /// The code of calendar `name` (a calendar of the rule set's environment).
    pub fn calendar_id(&self, name: &str) -> CalendarId {
        let i = self
            .calendar_names
            .binary_search_by(|n| n.as_str().cmp(name))
            .unwrap_or_else(|_| panic!("calendar `{name}` is one of the rule set's"));
        CalendarId(u16::try_from(i).expect("fewer than 65,536 calendars"))
    }

    /// The name of a calendar code.
    pub fn calendar_name(&self, id: CalendarId) -> &str {
        &self.calendar_names[id.0 as usize]
    }

    /// Calendar `name` and its code, if the environment has one of that name. Found among
    /// the sorted names: hashing the name in the environment's map and then searching for its
    /// code was 1.3 % of the kit job's samples, once per complaint.
    pub fn find_calendar(&self, name: &str) -> Option<(&Arc<Calendar>, CalendarId)> {
        let i = self
            .calendar_names
            .binary_search_by(|n| n.as_str().cmp(name))
            .ok()?;
        Some((
            &self.calendars[i],
            CalendarId(u16::try_from(i).expect("fewer than 65,536 calendars")),
        ))
    }

    /// The run's default calendar and its code.
    pub fn default_calendar(&self) -> (&Arc<Calendar>, CalendarId) {
        (
            &self.calendars[self.default_calendar.0 as usize],
            self.default_calendar,
        )
    }

    /// Compiles the rule folder named in the config. Every problem found is reported.
    pub fn load(cfg: &Config) -> Result<RuleSet> {
        let mut diags = Diagnostics::default();
        let dir = cfg.rules_dir.clone();
        let mut files = Vec::new();
        // A folder the user named must exist; the default `rules/` may not, and then the
        // shipped rules are used as they are.
        if cfg.rules_given && !dir.is_dir() {
            return Err(Diagnostic::new(display_path(&dir), "rule folder not found")
                .help("pass --rules DIR or set `rules = \"...\"` in the config")
                .into());
        }
        let folder = Layered::new(Kind::Rules, &dir);
        let manifest = load_manifest(&folder, &mut files, &mut diags);
        let tables = load_tables(&folder, &manifest, &mut files, &mut diags);
        let mut calendar_paths = BTreeMap::new();
        let (calendars, default_calendar) =
            load_calendars(&folder, cfg, &mut files, &mut calendar_paths, &mut diags);
        let env = Arc::new(RuleEnv {
            zone: cfg.zone.clone(),
            tables,
            calendars,
            default_calendar,
        });
        let engine = engine::build(&env);
        let classify = load_entry(
            &engine,
            &env,
            &folder.dir_of("classify.rhai").join("classify.rhai"),
            "classify",
            1,
            &mut files,
            &mut diags,
        );
        // One selection model: the procedure bundles, then `[sla] presets` / `[audit] duties`
        // within them (procedures.rs), then targets by name and switched off (selection.rs).
        let library = procedures::load(&folder, cfg, &mut files, &mut diags);
        let selection = library.select(cfg, &mut diags);
        let targets = presets::targets::load(
            &folder,
            &presets::selection::TargetSelection::for_run(cfg, selection.presets),
            cfg,
            &env,
            &library,
            &mut files,
            &mut diags,
        );
        let duties = presets::duties::load(
            &folder,
            selection.duties.as_deref(),
            cfg,
            targets.as_ref().unwrap_or(&TargetSet::default()),
            &library,
            &mut files,
            &mut diags,
        );
        let kpis = match (&targets, &classify) {
            (Some(set), Some(entry)) => {
                let known = kpis::Known {
                    targets: set,
                    duties: duties
                        .duties
                        .iter()
                        .map(|d| d.name.as_str())
                        .chain(duties.team_duties.iter().map(|d| d.name.as_str()))
                        .collect(),
                    events: presets::known_events(cfg, &[]),
                    outputs: analysis::map_keys(&entry.ast, entry.name),
                };
                // A legacy `[kpi]` table in the user's own rules.toml is read as it always was,
                // unless the user also has a kpis.toml (the shipped one does not count).
                let kpis_file = folder
                    .file(kpis::KPIS)
                    .filter(|f| !f.builtin || manifest.kpi.is_none());
                kpis::load(
                    kpis_file.map(|f| f.path),
                    manifest.kpi.as_ref(),
                    &folder.dir_of(MANIFEST).join(MANIFEST),
                    &known,
                    &mut files,
                    &mut diags,
                )
            }
            _ => None,
        };
        let warnings: Vec<Diagnostic> = diags.0.iter().filter(|d| d.warning).cloned().collect();
        diags.into_result()?;
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let mut calendar_names: Vec<String> = env.calendars.keys().cloned().collect();
        calendar_names.sort();
        let calendars = calendar_names
            .iter()
            .map(|n| Arc::clone(&env.calendars[n]))
            .collect();
        let default_calendar = calendar_names
            .binary_search(&env.default_calendar)
            .expect("the default calendar is one of the environment's");
        let default_calendar = CalendarId(u16::try_from(default_calendar).expect("few calendars"));
        Ok(RuleSet {
            dir,
            folder,
            manifest,
            env,
            engine,
            classify: classify.expect("no diagnostics means the entry compiled"),
            targets: targets.expect("no diagnostics means the targets loaded"),
            duties,
            procedures: library,
            kpis: kpis.expect("no diagnostics means the indicators loaded"),
            files,
            calendar_paths,
            calendar_names,
            calendars,
            default_calendar,
            warnings,
        })
    }
}

fn record(files: &mut Vec<RuleFile>, path: &Path, bytes: &[u8]) {
    files.push(RuleFile {
        path: display_path(path).display().to_string(),
        sha256: crate::output::sha256_hex(bytes),
    });
}

fn load_manifest(
    folder: &Layered,
    files: &mut Vec<RuleFile>,
    diags: &mut Diagnostics,
) -> RulesManifest {
    let Some(path) = folder.file(MANIFEST).map(|f| f.path) else {
        return RulesManifest::default();
    };
    let Ok(src) = shipped::read_to_string(&path) else {
        return RulesManifest::default();
    };
    record(files, &path, src.as_bytes());
    match toml::from_str(&src) {
        Ok(m) => m,
        Err(e) => {
            diags.push(crate::config::toml_diagnostic(
                &display_path(&path),
                &src,
                &e,
            ));
            RulesManifest::default()
        }
    }
}

fn load_tables(
    folder: &Layered,
    manifest: &RulesManifest,
    files: &mut Vec<RuleFile>,
    diags: &mut Diagnostics,
) -> HashMap<String, Arc<Table>> {
    let mut out = HashMap::new();
    let manifest_path = folder.dir_of(MANIFEST).join(MANIFEST);
    for path in folder
        .files("tables", &["csv", "xlsx", "toml"])
        .into_iter()
        .map(|f| f.path)
    {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        if let Ok(bytes) = shipped::read(&path) {
            record(files, &path, &bytes);
        }
        if out.contains_key(&name) {
            diags.push(Diagnostic::new(
                display_path(&path),
                format!("a second table named `{name}` (table names are file names without the extension)"),
            ));
            continue;
        }
        match tables::read_table_file(&path) {
            Err(d) => diags.push(d),
            Ok((header, rows, src, hit_in_file)) => {
                let hit = manifest
                    .tables
                    .get(&name)
                    .and_then(|s| s.hit)
                    .or(hit_in_file)
                    .unwrap_or(HitPolicy::First);
                match Table::build(&name, &path, hit, &header, rows, src.as_deref()) {
                    Ok(t) => {
                        let no_default = manifest.tables.get(&name).is_some_and(|s| s.no_default);
                        for d in t.lint(src.as_deref(), no_default) {
                            diags.push(d);
                        }
                        out.insert(name, Arc::new(t));
                    }
                    Err(ds) => ds.into_iter().for_each(|d| diags.push(d)),
                }
            }
        }
    }
    for name in manifest.tables.keys() {
        if !out.contains_key(name) && !diags.0.iter().any(|d| d.message.contains(name.as_str())) {
            diags.push(Diagnostic::new(
                display_path(&manifest_path),
                format!("settings for table `{name}` but no file tables/{name}.csv|xlsx|toml"),
            ));
        }
    }
    out
}

fn load_calendars(
    folder: &Layered,
    cfg: &Config,
    files: &mut Vec<RuleFile>,
    paths: &mut BTreeMap<String, PathBuf>,
    diags: &mut Diagnostics,
) -> (HashMap<String, Arc<Calendar>>, String) {
    let mut out: HashMap<String, Arc<Calendar>> = HashMap::new();
    out.insert(
        "24x7".to_owned(),
        Arc::new(Calendar::always("24x7", cfg.zone.tz())),
    );
    for path in folder
        .files("calendars", &["toml"])
        .into_iter()
        .map(|f| f.path)
    {
        let src = shipped::read_to_string(&path).unwrap_or_default();
        record(files, &path, src.as_bytes());
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        // A holiday table the user's folder does not have is the shipped one (a company
        // calendar names `cn_holidays_2007_2026.csv` without copying it).
        let shipped_calendars = folder.builtin_dir().join("calendars");
        let mut load_table = |p: &Path| {
            shipped::read(p).or_else(|e| match (folder.uses_builtin(), p.file_name()) {
                (true, Some(name)) => shipped::read(&shipped_calendars.join(name)),
                _ => Err(e),
            })
        };
        match Calendar::from_toml_with_loader(&src, &path, &base, &mut load_table) {
            Ok(c) => {
                paths.insert(c.name().to_owned(), path.clone());
                out.insert(c.name().to_owned(), Arc::new(c));
            }
            Err(e) => {
                let mut d = Diagnostic::new(
                    display_path(e.path.as_deref().unwrap_or(&path)),
                    e.message.clone(),
                );
                if let Some(span) = &e.span {
                    let text = e
                        .path
                        .as_deref()
                        .and_then(|p| shipped::read_to_string(p).ok())
                        .unwrap_or(src);
                    d = d.at_offset(&text, span.start);
                }
                diags.push(d);
            }
        }
    }
    let mut names: Vec<&str> = out.keys().map(String::as_str).collect();
    names.sort_unstable();
    // A config that names a calendar the rules do not define is reported where it says so.
    let config_src = cfg
        .path
        .as_deref()
        .and_then(|p| std::fs::read_to_string(p).ok());
    let mut check = |key: String, name: &Spanned<String>| {
        if out.contains_key(name.get_ref()) {
            return;
        }
        let mut d = Diagnostic::new(
            cfg.path.as_deref().map(display_path).unwrap_or_default(),
            format!(
                "`{key}` names `{}`, which is not a calendar",
                name.get_ref()
            ),
        );
        if let Some(src) = &config_src {
            d = d.at_offset(src, name.span().start);
        }
        d = d.help(match did_you_mean(name.get_ref(), names.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("calendars: {}", names.join(", ")),
        });
        diags.push(d);
    };
    for (project, name) in &cfg.sla.project_calendars {
        check(format!("sla.project_calendars.{project}"), name);
    }
    let default = match &cfg.sla.calendar {
        Some(name) => {
            check("sla.calendar".to_owned(), name);
            name.get_ref().clone()
        }
        None if out.contains_key("cn_office") => "cn_office".to_owned(),
        None => "24x7".to_owned(),
    };
    (out, default)
}

/// Field names a record carries into `classify`.
pub fn record_field_names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = Field::ALL.iter().map(|f| f.name()).collect();
    v.push("extra");
    v
}

/// Compiles an entry script and checks its entry function and the fields it reads.
fn load_entry(
    engine: &Engine,
    env: &RuleEnv,
    path: &Path,
    name: &'static str,
    arity: usize,
    files: &mut Vec<RuleFile>,
    diags: &mut Diagnostics,
) -> Option<Entry> {
    let shown = display_path(path);
    let source = match shipped::read_to_string(path) {
        Ok(s) => s,
        Err(e) => {
            diags.push(Diagnostic::new(
                &shown,
                format!("cannot read the `{name}` script: {e}"),
            ));
            return None;
        }
    };
    record(files, path, source.as_bytes());
    let ast = match compile(engine, &shown, &source) {
        Ok(a) => a,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    if !ast
        .iter_functions()
        .any(|f| f.name == name && f.params.len() == arity)
    {
        let params = if arity == 1 { "c" } else { "c, as_of" };
        let mut d = Diagnostic::new(
            &shown,
            format!("missing entry function `fn {name}({params})`"),
        );
        if let Some(f) = ast.iter_functions().find(|f| f.name == name) {
            d = d.help(format!(
                "`{name}` is defined with {} parameter(s); it takes {arity}",
                f.params.len()
            ));
        } else if let Some(s) = did_you_mean(name, ast.iter_functions().map(|f| f.name)) {
            d = d.help(format!("did you mean to name `fn {s}` `{name}`?"));
        }
        diags.push(d);
        return None;
    }
    let table_inputs = |t: &str| env.tables.get(t).map(|t| t.input_fields());
    let reads = analysis::fields_read(&ast, name, arity, 0, &table_inputs);
    let uses = analysis::field_uses(&ast, name, arity, 0, &table_inputs);
    if let Reads::Fields(fields) = &reads {
        let known = record_field_names();
        for (f, pos) in fields {
            if known.contains(&f.as_str()) {
                continue;
            }
            let mut d = Diagnostic::new(&shown, format!("`{f}` is not a field of the record"));
            if let (Some(l), Some(c)) = (pos.line(), pos.position()) {
                d = d.at(&source, l, c);
            }
            d = d.help(match did_you_mean(f, known.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "the record fields are listed in docs/RULES.md".to_owned(),
            });
            diags.push(d);
        }
    }
    for t in table_literals(&ast) {
        if !env.tables.contains_key(&t.0) {
            let mut names: Vec<&str> = env.tables.keys().map(String::as_str).collect();
            names.sort_unstable();
            let mut d = Diagnostic::new(&shown, format!("no table named `{}`", t.0));
            if let (Some(l), Some(c)) = (t.1.line(), t.1.position()) {
                d = d.at(&source, l, c);
            }
            d = d.help(match did_you_mean(&t.0, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("tables in rules/tables/: {}", names.join(", ")),
            });
            diags.push(d);
        }
    }
    let fast = guards::compile(engine, &source, &ast, name, arity).and_then(|guarded| {
        let reads = analysis::fields_read(&guarded.rest, name, arity, 0, &table_inputs);
        let uses = analysis::field_uses(&guarded.rest, name, arity, 0, &table_inputs);
        matches!(reads, Reads::Fields(_)).then_some(FastPath {
            guarded,
            reads,
            uses,
        })
    });
    Some(Entry {
        name,
        path: path.to_path_buf(),
        source,
        ast,
        reads,
        uses,
        fast,
    })
}

/// Compiles a script, turning a parse error into a diagnostic.
pub fn compile(
    engine: &Engine,
    shown: &Path,
    source: &str,
) -> std::result::Result<AST, Diagnostic> {
    let ast = engine.compile(source).map_err(|e| {
        let pos = e.position();
        let mut msg = e.to_string();
        if let Some(i) = msg.rfind(" (line ") {
            msg.truncate(i);
        }
        let mut d = Diagnostic::new(shown, msg.to_lowercase_first());
        if let (Some(l), Some(c)) = (pos.line(), pos.position()) {
            d = d.at(source, l, c);
        }
        if let rhai::ParseErrorType::VariableUndefined(v) = e.err_type() {
            d = d.help(format!(
                "variables must be declared with `let {v} = ...` before use; record fields are read as `c.{v}`"
            ));
        }
        d
    })?;
    match import_diagnostic(&ast, shown, source) {
        Some(d) => Err(d),
        None => Ok(ast),
    }
}

/// The diagnostic refusing an `import`, if the script has one: the engine loads no modules (a rule sees only its record, and a
/// script must not read files from anywhere), and an `import` outside a function would
/// otherwise be skipped without a word, so nobody could tell whether it ran.
fn import_diagnostic(ast: &AST, shown: &Path, source: &str) -> Option<Diagnostic> {
    let mut at = None;
    ast.walk(&mut |path: &[rhai::ASTNode]| {
        if let Some(rhai::ASTNode::Stmt(s @ rhai::Stmt::Import(..))) = path.last() {
            at.get_or_insert(s.position());
        }
        true
    });
    let pos = at?;
    let mut d = Diagnostic::new(
        shown,
        "`import` is not supported: rule scripts cannot load other scripts or modules",
    )
    .help("define helper functions in the same script, beside `classify` (docs/RULES.md §4)");
    if let (Some(l), Some(c)) = (pos.line(), pos.position()) {
        d = d.at(source, l, c);
    }
    Some(d)
}

/// Table names used as string literals in `table("...", ..)` calls, with positions.
fn table_literals(ast: &AST) -> Vec<(String, rhai::Position)> {
    let mut out = Vec::new();
    ast.walk(&mut |path: &[rhai::ASTNode]| {
        if let Some(rhai::ASTNode::Expr(rhai::Expr::FnCall(f, _))) = path.last()
            && matches!(f.name.as_str(), "table" | "table_all")
            && let Some(rhai::Expr::StringConstant(s, pos)) = f.args.first()
        {
            out.push((s.to_string(), *pos));
        }
        true
    });
    out
}

/// Lowercases the first letter of a message (rhai capitalises; our messages do not).
trait LowerFirst {
    fn to_lowercase_first(&self) -> String;
}

impl LowerFirst for String {
    fn to_lowercase_first(&self) -> String {
        let mut c = self.chars();
        match c.next() {
            Some(f) => f.to_lowercase().chain(c).collect(),
            None => String::new(),
        }
    }
}
