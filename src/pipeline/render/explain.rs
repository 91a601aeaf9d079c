//! The explanation pages (`explain.html`): one section per listed complaint.
//!
//! A page explains hundreds to thousands of complaints (51,130 sections, 395 MB, for the 1 M
//! benchmark with `--period all`), which makes it the costliest output of a run. So:
//!
//! - Each complaint's section is rendered on its own, from `partials/explain_complaint.html.j2`,
//!   in parallel. While that partial is the shipped file, its Rust twin in `section/` writes the
//!   same bytes several times faster; an edited partial goes through minijinja.
//! - Under the shipped page (`explain.html.j2`), which prints each section once and in order,
//!   the page is rendered around placeholders and the sections are written into their places a
//!   chunk at a time: a page never holds all its explanations or sections.
//! - A page template of the folder's own may read every complaint's whole explanation
//!   (docs/TEMPLATES.md §9): it gets a template object per complaint whose `html` is its
//!   section and whose other fields are read from the explanation on first use.
//!
//! A template folder without the section partial (written before it existed) gets no `html`:
//! its own page template renders the sections from the fields, as it always did.

use std::sync::{Arc, OnceLock};

use minijinja::Value;
use minijinja::value::{Enumerator, Object};
use rayon::prelude::*;

use super::Templates;
use crate::config::Lang;
use crate::error::Result;
use crate::pipeline::explain::Explanation;

/// The explanation page's template.
pub const PAGE_TEMPLATE: &str = "explain.html.j2";

/// The template of one complaint's section.
pub const SECTION_TEMPLATE: &str = "partials/explain_complaint.html.j2";

/// What the page and each section share.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PageInfo {
    /// `zh` or `en`.
    pub lang: Lang,
    /// True when personal data is shown (`--unmask`).
    pub unmasked: bool,
    /// `--as-of`, local time.
    pub as_of: String,
}

/// What the section template receives: the page's fields and the complaint as `e`.
#[derive(serde::Serialize)]
struct SectionContext<'a> {
    #[serde(flatten)]
    page: &'a PageInfo,
    e: &'a Explanation,
}

/// What the page template receives (docs/TEMPLATES.md §9).
#[derive(serde::Serialize)]
struct PageContext<'a> {
    #[serde(flatten)]
    page: &'a PageInfo,
    complaints: Vec<Value>,
}

/// A complaint on a page template of the folder's own: `html` (its rendered section, when the
/// templates have the partial) and the explanation's fields, turned into template values on
/// first use.
#[derive(Debug)]
struct Explained {
    html: Option<Value>,
    explanation: Explanation,
    fields: OnceLock<Value>,
}

impl Explained {
    fn fields(&self) -> &Value {
        self.fields
            .get_or_init(|| Value::from(minijinja::value::Serde(&self.explanation)))
    }
}

impl Object for Explained {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "html" => self.html.clone(),
            k => self.fields().get_attr(k).ok().filter(|v| !v.is_undefined()),
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut keys: Vec<Value> = self
            .fields()
            .try_iter()
            .map(Iterator::collect)
            .unwrap_or_default();
        if self.html.is_some() {
            keys.push(Value::from("html"));
        }
        Enumerator::Values(keys)
    }
}

/// Sections rendered at once on the streamed page: enough to keep both cores busy, few enough
/// that a page of thousands holds a few megabytes of them.
const CHUNK: usize = 256;

/// The page explaining the complaints `order` (page order), each built by `explain` when its
/// turn comes, written to `out` (the file `path`).
///
/// Under the shipped page, which prints each complaint's `html` once and in order, the page is
/// rendered around placeholders and the sections are rendered a chunk at a time into their
/// places: neither the explanations nor their sections are ever all held. A page template of
/// the folder's own may read the complaints in any order and any field, so it receives them
/// all.
pub fn page(
    templates: &Templates,
    info: &PageInfo,
    order: &[usize],
    explain: impl Fn(usize) -> Result<Explanation> + Sync,
    out: &mut impl std::io::Write,
    path: &std::path::Path,
) -> Result<()> {
    let sectioned = templates.has(SECTION_TEMPLATE);
    // The shipped partial is written out in Rust (`section/`, byte for byte the same).
    let native = if sectioned && templates.is_shipped(SECTION_TEMPLATE) {
        templates.words(info.lang)
    } else {
        None
    };
    let section = |e: &Explanation| -> Result<String> {
        if let Some(html) =
            native.and_then(|words| super::section::render(words, info.lang, e).ok())
        {
            return Ok(html);
        }
        templates.render(SECTION_TEMPLATE, &SectionContext { page: info, e })
    };
    if sectioned && templates.is_shipped(PAGE_TEMPLATE) {
        let skeleton = skeleton(templates, info, order.len())?;
        if let Some(pieces) = pieces(&skeleton, order.len()) {
            return streamed(&pieces, order, |i| section(&explain(i)?), out, path);
        }
    }
    let complaints: Vec<Value> = order
        .par_iter()
        .map(|&i| {
            let e = explain(i)?;
            let html = if sectioned {
                Some(Value::from_safe_string(section(&e)?))
            } else {
                None
            };
            Ok(Value::from_object(Explained {
                html,
                explanation: e,
                fields: OnceLock::new(),
            }))
        })
        .collect::<Result<_>>()?;
    templates.render_to(
        PAGE_TEMPLATE,
        &PageContext {
            page: info,
            complaints,
        },
        out,
    )
}

/// Stands for complaint `k`'s section in the skeleton. U+0001 cannot come from the page's own
/// text (its words and the as-of time), and [`pieces`] checks that it did not.
fn placeholder(k: usize) -> String {
    format!("\u{1}{k}\u{1}")
}

/// The shipped page rendered with a placeholder as each of `n` complaints' `html` (it reads
/// nothing else of them).
fn skeleton(templates: &Templates, info: &PageInfo, n: usize) -> Result<String> {
    let complaints = (0..n)
        .map(|k| {
            Value::from(std::collections::BTreeMap::from([(
                "html",
                Value::from_safe_string(placeholder(k)),
            )]))
        })
        .collect();
    templates.render(
        PAGE_TEMPLATE,
        &PageContext {
            page: info,
            complaints,
        },
    )
}

/// The skeleton's text around its placeholders: `n + 1` pieces, when each placeholder appears
/// exactly once and in order. A folder's own `base.html.j2` could print the page body twice or
/// not at all; then the page is rendered whole instead.
fn pieces(skeleton: &str, n: usize) -> Option<Vec<&str>> {
    let mut out = Vec::with_capacity(n + 1);
    let mut rest = skeleton;
    for k in 0..n {
        let mark = placeholder(k);
        let at = rest.find(&mark)?;
        out.push(&rest[..at]);
        rest = &rest[at + mark.len()..];
    }
    out.push(rest);
    out.iter().all(|p| !p.contains('\u{1}')).then_some(out)
}

/// The page from its `pieces`, with the sections between them rendered by `section` a chunk at
/// a time in parallel.
fn streamed(
    pieces: &[&str],
    order: &[usize],
    section: impl Fn(usize) -> Result<String> + Sync,
    out: &mut impl std::io::Write,
    path: &std::path::Path,
) -> Result<()> {
    let io = |e: std::io::Error| crate::error::Error::io(path, e);
    for (c, chunk) in order.chunks(CHUNK).enumerate() {
        let sections: Vec<String> = chunk
            .par_iter()
            .map(|&i| section(i))
            .collect::<Result<_>>()?;
        for (j, html) in sections.iter().enumerate() {
            out.write_all(pieces[c * CHUNK + j].as_bytes())
                .map_err(io)?;
            out.write_all(html.as_bytes()).map_err(io)?;
        }
    }
    out.write_all(pieces[order.len()].as_bytes()).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_skeleton_streams_only_with_each_placeholder_once_and_in_order() {
        let page = |ks: &[usize]| {
            let mut s = String::from("<main>");
            for k in ks {
                s.push_str(&format!("\n{}\n", placeholder(*k)));
            }
            s + "</main>"
        };
        let ok = page(&[0, 1, 2, 10, 11]);
        assert_eq!(pieces(&ok, 5), None, "3..9 are missing");
        let ok = page(&(0..12).collect::<Vec<_>>());
        let p = pieces(&ok, 12).unwrap();
        assert_eq!(
            (p.len(), p[0], p[1], p[12]),
            (13, "<main>\n", "\n\n", "\n</main>")
        );
        // Printed twice (a base template showing the body twice), out of order, or not at all.
        assert_eq!(pieces(&page(&[0, 1, 0, 1]), 2), None);
        assert_eq!(pieces(&page(&[1, 0]), 2), None);
        assert_eq!(pieces(&page(&[]), 2), None);
        assert_eq!(pieces(&page(&[]), 0), Some(vec!["<main></main>"]));
    }
}
