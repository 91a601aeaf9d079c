//! The explanation pages (`explain.html`): one section per listed complaint.
//!
//! A page explains hundreds to thousands of complaints, which made it the costliest template
//! of a run when the whole page was one render on one core. Each complaint's section is
//! rendered on its own, from `partials/explain_complaint.html.j2`, in parallel; the page
//! (`explain.html.j2`) then places the sections. The page still receives every complaint's
//! whole explanation (docs/TEMPLATES.md §9): a complaint is a template object whose `html` is
//! its rendered section and whose other fields are read from its explanation on first use,
//! so a page that only places the sections does not pay for turning every explanation into
//! template values a second time.
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

/// A complaint on the page: `id`, `html` (its rendered section, when the templates have the
/// partial) and the explanation's fields, turned into template values on first use. The
/// shipped page reads only `id` and `html`, so under it the explanation is not kept.
#[derive(Debug)]
struct Explained {
    id: String,
    html: Option<Value>,
    explanation: Option<Explanation>,
    fields: OnceLock<Value>,
}

impl Explained {
    fn fields(&self) -> Option<&Value> {
        let e = self.explanation.as_ref()?;
        Some(
            self.fields
                .get_or_init(|| Value::from(minijinja::value::Serde(e))),
        )
    }
}

impl Object for Explained {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "id" => Some(Value::from(self.id.as_str())),
            "html" => self.html.clone(),
            k => self
                .fields()?
                .get_attr(k)
                .ok()
                .filter(|v| !v.is_undefined()),
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut keys: Vec<Value> = self
            .fields()
            .and_then(|f| f.try_iter().ok())
            .map(Iterator::collect)
            .unwrap_or_else(|| vec![Value::from("id")]);
        if self.html.is_some() {
            keys.push(Value::from("html"));
        }
        Enumerator::Values(keys)
    }
}

/// The page explaining the complaints `order` (page order), each built by `explain` when its
/// turn comes, written to `out`: a page of thousands never holds every explanation at once
/// unless its template may read their fields, nor the page whole.
pub fn page(
    templates: &Templates,
    info: &PageInfo,
    order: &[usize],
    explain: impl Fn(usize) -> Result<Explanation> + Sync,
    out: &mut impl std::io::Write,
) -> Result<()> {
    let sectioned = templates.has(SECTION_TEMPLATE);
    let keep = !(sectioned && templates.is_shipped(PAGE_TEMPLATE));
    let complaints: Vec<Value> = order
        .par_iter()
        .map(|&i| {
            let e = explain(i)?;
            let html = if sectioned {
                let ctx = SectionContext { page: info, e: &e };
                Some(Value::from_safe_string(
                    templates.render(SECTION_TEMPLATE, &ctx)?,
                ))
            } else {
                None
            };
            Ok(Value::from_object(Explained {
                id: e.id.clone(),
                html,
                explanation: keep.then_some(e),
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
