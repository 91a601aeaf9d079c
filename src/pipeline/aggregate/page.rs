//! One page's context, read from the group-bys: its period's and scope's indicators with their
//! comparisons, the trend, the grouped tables, hot spots, buildings, the 红黑榜, the targets and
//! the lists.

use std::collections::{BTreeMap, BTreeSet};

use super::common::{Common, midnight};
use super::queries::{COMPANY, Grouped, StatusCounts};
use super::values::{compare, kpi_value, target_text, value_text};
use super::*;
use crate::format::{Lang, duration_text, round4};
use crate::model::Field;
use crate::pipeline::rules::kpis::Section;
use crate::pipeline::rules::presets::limit::limit_text;

pub(super) fn rate(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| round4(num as f64 / den as f64))
}

fn add(into: &mut StatusCounts, c: &StatusCounts) {
    for (a, b) in into.iter_mut().zip(c) {
        *a += b;
    }
}

/// Verdict status counts per value of dimension `x` in a period and scope, by name.
fn sla_of(g: &Grouped, x: &str, pc: u32, sc: u32) -> BTreeMap<String, StatusCounts> {
    let d = g.dict(x);
    let mut out: BTreeMap<String, StatusCounts> = BTreeMap::new();
    for ((p, s, v), c) in &g.sla[x] {
        if *p == pc && *s == sc {
            add(out.entry(d.name(*v).to_owned()).or_default(), c);
        }
    }
    out
}

/// Complaint counts per value of dimension `x` in a period and scope, by name.
fn counts_of(g: &Grouped, x: &str, pc: u32, sc: u32) -> BTreeMap<String, u64> {
    let d = g.dict(x);
    let mut out = BTreeMap::new();
    for ((p, s, v), n) in &g.counts[x] {
        if *p == pc && *s == sc {
            *out.entry(d.name(*v).to_owned()).or_default() += n;
        }
    }
    out
}

/// A scope's verdict counts, summed over targets.
fn sla_total(g: &Grouped, pc: u32, sc: u32) -> SlaCounts {
    let mut c = [0u64; 6];
    for v in sla_of(g, "target", pc, sc).values() {
        add(&mut c, v);
    }
    SlaCounts::from_counts(&c)
}

/// Builds one page.
#[allow(clippy::too_many_arguments)]
pub(super) fn page(
    input: &AggregateInput<'_>,
    g: &Grouped,
    common: &Common,
    (p, chosen): (&Period, crate::period::Chosen),
    project: Option<&str>,
    base: String,
    nav: Nav,
    explain_page: &str,
) -> Result<(ReportContext, BTreeSet<usize>)> {
    let cfg = input.cfg;
    let zone = &cfg.zone;
    let lang = cfg.lang;
    let rules = input.rules;
    let a = input.assessed;
    let t = &a.complaints;
    let cls = &t.classified;
    let key = p.key.as_str();
    let (prev, year) = (p.previous(), p.year_before());
    // Codes of this page's period and scope; a period or project no complaint has gives no
    // rows (`u32::MAX - 1` matches nothing).
    const NONE: u32 = u32::MAX - 1;
    let period_code = |k: &str| g.dict("period").find(k).unwrap_or(NONE);
    let pc = period_code(key);
    let sc = match project {
        None => COMPANY,
        Some(q) => g.dict("project").find(q).unwrap_or(NONE),
    };
    let received = g.received.get(&(pc, sc)).copied().unwrap_or(0);

    // Indicators, against their targets and their past.
    let kpis_of = |pc: u32| -> Vec<(Option<f64>, String)> {
        let parts = g.kpis.get(&(pc, sc));
        rules
            .kpis
            .kpis
            .iter()
            .enumerate()
            .map(|(k, def)| kpi_value(def, parts.map(|v| &v[k]), t.reopen_known))
            .collect()
    };
    let now = kpis_of(pc);
    let before = kpis_of(period_code(&prev.key));
    let ago = kpis_of(period_code(&year.key));
    let kpis: Vec<Kpi> = rules
        .kpis
        .kpis
        .iter()
        .enumerate()
        .filter(|(_, k)| k.sections.contains(&Section::Cards))
        .map(|(i, k)| {
            let (v, detail) = &now[i];
            Kpi {
                key: k.key.clone(),
                name: if lang == Lang::En {
                    k.name_en.clone()
                } else {
                    k.name.clone()
                },
                unit: k.unit.name().to_owned(),
                value: *v,
                text: value_text(k, *v),
                detail: detail.clone(),
                target: k.target.map(|t| t.value),
                target_text: target_text(k),
                meets_target: match (k.target, v) {
                    (Some(t), Some(x)) => Some(if t.at_least {
                        *x >= t.value
                    } else {
                        *x <= t.value
                    }),
                    _ => None,
                },
                higher_is_better: k.higher_is_better,
                previous: compare(k, *v, before[i].0, &prev.key),
                year_before: compare(k, *v, ago[i].0, &year.key),
            }
        })
        .collect();

    // Trend: the last 12 periods ending with this one.
    let mut keys = vec![p.clone()];
    while keys.len() < TREND_PERIODS {
        let earlier = keys.last().expect("non-empty").previous();
        keys.push(earlier);
    }
    keys.reverse();
    let kpi_index = |key: &str| rules.kpis.kpis.iter().position(|k| k.key == key);
    let trend = keys
        .iter()
        .map(|q| {
            let qc = period_code(&q.key);
            let vals = kpis_of(qc);
            let of = |key: &str| kpi_index(key).and_then(|i| vals[i].0);
            TrendPoint {
                key: q.key.clone(),
                received: g.received.get(&(qc, sc)).copied().unwrap_or(0),
                ack_rate: of("ack_rate"),
                satisfaction_rate: of("satisfaction_rate"),
                sla_rate: of("sla_rate"),
                resolve_p50: of("resolve_p50"),
                values: rules
                    .kpis
                    .kpis
                    .iter()
                    .enumerate()
                    .filter(|(_, k)| k.sections.contains(&Section::Trend))
                    .map(|(i, k)| (k.key.clone(), vals[i].0))
                    .collect(),
            }
        })
        .collect();

    // Grouped tables.
    let table = |x: &str, label: &dyn Fn(&str) -> String, by_volume: bool| -> Vec<GroupRow> {
        let counts = counts_of(g, x, pc, sc);
        let sla = sla_of(g, x, pc, sc);
        let mut rows: Vec<GroupRow> = counts
            .iter()
            .map(|(k, n)| GroupRow {
                key: k.clone(),
                label: label(k),
                complaints: *n,
                share: rate(*n, received).unwrap_or(0.0),
                cumulative: 0.0,
                sla: sla.get(k).map_or_else(
                    || SlaCounts::from_counts(&[0; 6]),
                    |c| SlaCounts::from_counts(c),
                ),
            })
            .collect();
        if by_volume {
            rows.sort_by(|a, b| {
                b.complaints
                    .cmp(&a.complaints)
                    .then_with(|| a.key.cmp(&b.key))
            });
        }
        rows
    };
    // The running share in each table's final row order (after the level order is applied).
    let accumulate = |rows: &mut [GroupRow]| {
        let mut cum = 0u64;
        for r in rows {
            cum += r.complaints;
            r.cumulative = rate(cum, received).unwrap_or(0.0);
        }
    };
    let ident = |k: &str| k.to_owned();
    let level_order: Vec<&String> = rules.manifest.level.iter().map(|t| &t.code).collect();
    let level_pos = |l: &str| {
        level_order
            .iter()
            .position(|x| x.as_str() == l)
            .unwrap_or(usize::MAX)
    };
    let mut by_level = table(
        "level",
        &|k| {
            common
                .level_names
                .get(k)
                .cloned()
                .unwrap_or_else(|| k.to_owned())
        },
        false,
    );
    by_level.sort_by_key(|r| level_pos(&r.key));
    accumulate(&mut by_level);
    let mut by_category = table("category", &ident, true);
    accumulate(&mut by_category);
    let mut by_team = table("team", &ident, false);
    accumulate(&mut by_team);
    let by_project: Vec<GroupRow> = {
        let pd = g.dict("project");
        let mut rows = Vec::new();
        for q in pd.names().iter().collect::<BTreeSet<_>>() {
            if project.is_some_and(|x| x != q) {
                continue;
            }
            let qc = pd.find(q).unwrap_or(NONE);
            let n = g.received.get(&(pc, qc)).copied().unwrap_or(0);
            if n == 0 {
                continue;
            }
            rows.push(GroupRow {
                key: q.clone(),
                label: q.clone(),
                complaints: n,
                share: rate(n, received).unwrap_or(0.0),
                cumulative: 0.0,
                sla: sla_total(g, pc, qc),
            });
        }
        accumulate(&mut rows);
        rows
    };

    // Hot spots: a category's share in a project against its share company-wide.
    let company_cat = counts_of(g, "category", pc, COMPANY);
    let company_n: u64 = company_cat.values().sum();
    let (pd, cd) = (g.dict("project"), g.dict("category"));
    let mut hotspots = Vec::new();
    for ((pk, s, c), n) in &g.counts["category"] {
        if *pk != pc || *s == COMPANY || (project.is_none() && pd.name(*s).is_empty()) {
            continue;
        }
        if project.is_some() && *s != sc {
            continue;
        }
        let (q, cat) = (pd.name(*s), cd.name(*c));
        if q.is_empty() {
            continue;
        }
        let in_project = g.received.get(&(pc, *s)).copied().unwrap_or(0);
        let (share, company_share) = (
            rate(*n, in_project).unwrap_or(0.0),
            rate(company_cat.get(cat).copied().unwrap_or(0), company_n).unwrap_or(0.0),
        );
        if *n >= HOTSPOT_MIN && company_share > 0.0 && share >= HOTSPOT_RATIO * company_share {
            hotspots.push(Hotspot {
                project: q.to_owned(),
                category: cat.to_owned(),
                complaints: *n,
                share,
                company_share,
                ratio: (share / company_share * 100.0).round() / 100.0,
            });
        }
    }
    hotspots.sort_by(|a, b| {
        b.ratio
            .total_cmp(&a.ratio)
            .then_with(|| (&a.project, &a.category).cmp(&(&b.project, &b.category)))
    });

    // Buildings.
    let bd = g.dict("building");
    let mut buildings: Vec<BuildingRow> = Vec::new();
    for ((pk, s, b), n) in &g.counts["building"] {
        if *pk != pc || *s == COMPANY || bd.name(*b).is_empty() {
            continue;
        }
        if project.is_some() && *s != sc {
            continue;
        }
        let (top_category, top_complaints) = g
            .building_top
            .get(&(pc, *s, *b))
            .map(|&(c, n)| (cd.name(c).to_owned(), n))
            .unwrap_or_default();
        buildings.push(BuildingRow {
            project: pd.name(*s).to_owned(),
            building: bd.name(*b).to_owned(),
            complaints: *n,
            top_category,
            top_complaints,
        });
    }
    buildings.sort_by(|a, b| {
        b.complaints
            .cmp(&a.complaints)
            .then_with(|| (&a.project, &a.building).cmp(&(&b.project, &b.building)))
    });
    buildings.truncate(10);

    // The 红黑榜.
    let td = g.dict("team");
    let mut teams: BTreeMap<String, TeamScore> = BTreeMap::new();
    for r in &by_team {
        if r.key.is_empty() {
            continue;
        }
        let overdue = td
            .find(&r.key)
            .and_then(|c| g.resolution_overdue.get(&(pc, sc, c)))
            .copied()
            .unwrap_or(0);
        teams.insert(
            r.key.clone(),
            TeamScore {
                team: r.key.clone(),
                complaints: r.complaints,
                sla: r.sla.clone(),
                resolution_overdue: overdue,
                flagged: false,
            },
        );
    }
    for f in &a.findings.team {
        let d = chrono::NaiveDate::parse_from_str(&format!("{}-01", f.month), "%Y-%m-%d")
            .unwrap_or_default();
        if p.contains(d)
            && let Some(t) = teams.get_mut(f.team.as_str())
        {
            t.flagged = true;
        }
    }
    let mut ranked: Vec<TeamScore> = teams
        .into_values()
        .filter(|t| t.sla.met + t.sla.breached + t.sla.overdue >= BOARD_MIN_VERDICTS)
        .collect();
    ranked.sort_by(|a, b| {
        b.sla
            .met_rate
            .unwrap_or(0.0)
            .total_cmp(&a.sla.met_rate.unwrap_or(0.0))
            .then_with(|| a.team.cmp(&b.team))
    });
    // Best and worst k teams, never overlapping.
    let k = BOARD_SIZE.min(ranked.len() / 2);
    let board = Board {
        red: ranked.iter().take(k).cloned().collect(),
        black: ranked.iter().rev().take(k).cloned().collect(),
        all: ranked,
    };

    // Targets.
    let target_sla = sla_of(g, "target", pc, sc);
    let tgd = g.dict("target");
    let ld = g.dict("level");
    let targets = rules
        .targets
        .targets
        .iter()
        .enumerate()
        .map(|(ti, tg)| {
            let mut by_level: BTreeMap<String, StatusCounts> = BTreeMap::new();
            for ((kp, ks, kt, kl), n) in &g.sla_target_level {
                if *kp == pc && *ks == sc && tgd.name(*kt) == tg.name {
                    add(by_level.entry(ld.name(*kl).to_owned()).or_default(), n);
                }
            }
            let _ = ti;
            let preset = rules
                .targets
                .presets
                .iter()
                .find(|x| x.name == tg.preset)
                .map(|x| {
                    if lang == Lang::En {
                        x.title_en.clone()
                    } else {
                        x.title.clone()
                    }
                })
                .unwrap_or_default();
            let mut levels: Vec<(String, SlaCounts)> = by_level
                .into_iter()
                .map(|(l, c)| (l, SlaCounts::from_counts(&c)))
                .collect();
            levels.sort_by_key(|(l, _)| level_pos(l));
            TargetRow {
                name: tg.name.clone(),
                label: if lang == Lang::En {
                    tg.label_en.clone()
                } else {
                    tg.label.clone()
                },
                preset,
                limit: limit_text(tg.limit.as_ref(), tg.deadline_field.as_deref(), lang),
                source: tg.source.clone().unwrap_or_default(),
                sla: target_sla.get(&tg.name).map_or_else(
                    || SlaCounts::from_counts(&[0; 6]),
                    |c| SlaCounts::from_counts(c),
                ),
                by_level: levels,
            }
        })
        .collect();

    // A listed complaint's text, read from the store; the rows are built in closures, so a
    // read error is kept and returned after them.
    let read_error = std::cell::RefCell::new(None);
    let masked_text = |i: usize| {
        let text = match cls.texts.get(cls.complaints[i].text_at) {
            Ok(t) => t.unwrap_or_default(),
            Err(e) => {
                read_error.borrow_mut().get_or_insert(e);
                String::new()
            }
        };
        if cfg.unmask {
            text
        } else {
            cls.masker().mask(&text)
        }
    };
    let explain_of = |i: usize| format!("{explain_page}#{}", cls.complaints[i].id);
    // Lists: breached and overdue verdicts, the most time past due first (assess kept the
    // first of each list, and counted them all); dissatisfied complaints in order.
    let mut listed = BTreeSet::new();
    let mut breached = List::default();
    let mut overdue = List::default();
    for (is_breached, list) in [(true, &mut breached), (false, &mut overdue)] {
        let (total, rows) = a.verdicts.late.get(pc, sc, is_breached);
        for l in rows {
            let i = l.complaint as usize;
            list.push(|| {
                let c = &cls.complaints[i];
                let tg = &rules.targets.targets[l.target as usize];
                VerdictRow {
                    id: c.id.to_string(),
                    received: zone.format(c.received_at()),
                    project: t.projects.name(t.project[i]).to_owned(),
                    level: t.output_text("level", i).to_owned(),
                    category: t.output_text("category", i).to_owned(),
                    team: t.teams.name(t.team[i]).to_owned(),
                    target: if lang == Lang::En {
                        tg.label_en.clone()
                    } else {
                        tg.label.clone()
                    },
                    due: l.due().map(|d| zone.format(d)).unwrap_or_default(),
                    stopped: l.stop().map(|d| zone.format(d)).unwrap_or_default(),
                    over: duration_text(l.over_cal, lang),
                    text: masked_text(i),
                    explain: explain_of(i),
                }
            });
            listed.insert(i);
        }
        list.total = total;
    }
    let settings = &rules.kpis.settings;
    let duty_status = |i: usize, name: &str| -> String {
        a.findings
            .status_of(i, name)
            .map(|s| s.name().to_owned())
            .unwrap_or_default()
    };
    let mut look_back = List::default();
    for &i in common
        .dissatisfied
        .get(&(pc, sc))
        .map_or(&[][..], Vec::as_slice)
    {
        let i = i as usize;
        let c = &cls.complaints[i];
        let before = look_back.rows.len();
        look_back.push(|| LookBackRow {
            id: c.id.to_string(),
            received: zone.format(c.received_at()),
            project: t.projects.name(t.project[i]).to_owned(),
            team: t.teams.name(t.team[i]).to_owned(),
            score: c
                .coded(Field::SatisfactionRaw, &cls.dicts)
                .unwrap_or("")
                .to_owned(),
            second_handling: duty_status(i, &settings.second_handling_duty),
            look_back: duty_status(i, &settings.look_back_duty),
            text: masked_text(i),
            explain: explain_of(i),
        });
        if look_back.rows.len() > before {
            listed.insert(i);
        }
    }
    if let Some(e) = read_error.into_inner() {
        return Err(e);
    }

    // Period attribution.
    let (start_ts, end_ts) = (midnight(zone, p.start), midnight(zone, p.end));
    let open_at_start = common
        .open_at_start
        .get(&(start_ts, sc))
        .copied()
        .unwrap_or(0);
    let resolved = common
        .resolved_in
        .get(&(start_ts, end_ts, sc))
        .copied()
        .unwrap_or(0);

    let audit = super::audit::section(input, g, common, pc, sc, project, p)?;
    let ctx = ReportContext {
        lang,
        base,
        scope: Scope {
            kind: if project.is_some() {
                "project"
            } else {
                "company"
            }
            .to_owned(),
            name: project.unwrap_or("").to_owned(),
        },
        rules_name: rules.manifest.name_in(lang),
        as_of: zone.format(cfg.as_of),
        timezone: zone.name().to_owned(),
        unmasked: cfg.unmask,
        record_tables: cfg.record_tables,
        period: PeriodInfo {
            key: p.key.clone(),
            kind: p.kind.to_owned(),
            start: p.start.to_string(),
            last: p.end.pred_opt().unwrap_or(p.end).to_string(),
            received,
            open_at_start,
            resolved,
            previous: prev.key.clone(),
            year_before: year.key.clone(),
            chosen,
        },
        nav,
        counts: input.counts,
        lines: input.lines,
        kpis,
        trend,
        by_level,
        by_category,
        by_project,
        by_team,
        hotspots,
        buildings,
        board,
        targets,
        breached,
        overdue,
        look_back,
        audit,
        rejects_by_reason: common.rejects_by_reason.clone(),
        rejects: common.rejects.clone(),
        findings_by_code: common.findings_by_code.clone(),
        findings_by_kind: common.findings_by_kind.clone(),
        reject_alarm: common.reject_alarm.clone(),
        columns: common.columns.clone(),
        coverage: common.coverage.clone(),
        warnings: input.warnings.to_vec(),
        inputs: common.inputs.clone(),
        levels: common.levels.clone(),
    };
    Ok((ctx, listed))
}
