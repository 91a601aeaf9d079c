//! The shipped rule set and report templates, built into the binary (`build.rs`), and the
//! layered folders the tool reads them through.
//!
//! A project's `rules/` (or `report_templates/`) holds only what differs from the shipped set:
//! a file there replaces the shipped file of the same name, and everything else comes from the
//! binary. A folder with its own entry file (`classify.rhai`, `report.html.j2`) is complete and
//! replaces the shipped set as a whole, so a rule folder written before layering runs as it
//! always did. Without a folder, the shipped set is used as is.
//!
//! Shipped files have paths of their own, under [`BUILTIN`] (`(built-in)/rules/sla/x.toml`):
//! what diagnostics, the manifest and `check` show. [`read`] reads such a path from the binary
//! and any other from disk, so code that holds a path reads either kind the same way.

mod walk;

use std::path::{Path, PathBuf};

mod files {
    include!(concat!(env!("OUT_DIR"), "/shipped.rs"));
}

/// The prefix of a shipped file's path.
pub const BUILTIN: &str = "(built-in)";

/// Which shipped folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `rules/`: complete when it has `classify.rhai`.
    Rules,
    /// `report_templates/`: complete when it has `report.html.j2`.
    Templates,
}

impl Kind {
    /// The folder's name in the repository (and in a shipped file's path).
    pub fn root(self) -> &'static str {
        match self {
            Kind::Rules => "rules",
            Kind::Templates => "report_templates",
        }
    }

    /// The file that makes a user's folder complete.
    pub fn entry(self) -> &'static str {
        match self {
            Kind::Rules => "classify.rhai",
            Kind::Templates => "report.html.j2",
        }
    }
}

/// A rule or template folder as the tool reads it: the user's folder over the shipped one.
#[derive(Debug, Clone)]
pub struct Layered {
    kind: Kind,
    /// The user's folder, when it exists.
    user: Option<PathBuf>,
    /// The user's folder has its own entry file: the shipped files are not used.
    complete: bool,
}

/// One file of a layered folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerFile {
    /// Its path inside the folder, with `/` (`sla/three_level.toml`).
    pub rel: String,
    /// Where it is read from: the user's file, or a shipped path under [`BUILTIN`].
    pub path: PathBuf,
    /// True for a shipped file.
    pub builtin: bool,
}

impl Layered {
    /// The layers for `user` (which may not exist).
    pub fn new(kind: Kind, user: &Path) -> Layered {
        let user = user.is_dir().then(|| user.to_path_buf());
        let complete = user
            .as_ref()
            .is_some_and(|u| u.join(kind.entry()).is_file());
        Layered {
            kind,
            user,
            complete,
        }
    }

    /// The user's folder, when it exists.
    pub fn user(&self) -> Option<&Path> {
        self.user.as_deref()
    }

    /// True when the shipped files take part.
    pub fn uses_builtin(&self) -> bool {
        !self.complete
    }

    /// The shipped folder's own path (`(built-in)/rules`).
    pub fn builtin_dir(&self) -> PathBuf {
        Path::new(BUILTIN).join(self.kind.root())
    }

    /// Where the entry file or a top-level file is read from: the user's folder for a complete
    /// folder or a file the user has, else the shipped one.
    pub fn dir_of(&self, rel: &str) -> PathBuf {
        self.file(rel)
            .and_then(|f| f.path.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| match &self.user {
                Some(u) if self.complete => u.clone(),
                _ => self.builtin_dir(),
            })
    }

    /// In words, for `check`: `rules/`, `rules/ over the built-in rules` or `the built-in rules`.
    pub fn describe(&self) -> String {
        let shown = |u: &Path| format!("{}/", crate::diagnostic::display_path(u).display());
        match (&self.user, self.complete) {
            (Some(u), true) => shown(u),
            (Some(u), false) => format!("{} over the built-in {}", shown(u), self.kind.root()),
            (None, _) => format!("the built-in {}", self.kind.root()),
        }
    }

    /// A subfolder in words, for messages: `rules/sla`, `rules/sla or the built-in rules/sla`.
    pub fn describe_sub(&self, sub: &str) -> String {
        let builtin = format!("the built-in {}/{sub}", self.kind.root());
        match (&self.user, self.complete) {
            (Some(u), complete) => {
                let own = crate::diagnostic::display_path(&u.join(sub))
                    .display()
                    .to_string();
                if complete {
                    own
                } else {
                    format!("{own} or {builtin}")
                }
            }
            (None, _) => builtin,
        }
    }

    /// A file by its path inside the folder: the user's, else (unless the folder is complete)
    /// the shipped one.
    pub fn file(&self, rel: &str) -> Option<LayerFile> {
        if let Some(u) = &self.user {
            let p = u.join(rel);
            if p.is_file() {
                return Some(LayerFile {
                    rel: rel.to_owned(),
                    path: p,
                    builtin: false,
                });
            }
        }
        if self.complete {
            return None;
        }
        let key = format!("{}/{rel}", self.kind.root());
        files::FILES
            .iter()
            .any(|(k, _)| *k == key)
            .then(|| LayerFile {
                rel: rel.to_owned(),
                path: self.builtin_dir().join(rel),
                builtin: true,
            })
    }

    /// The files directly in `sub` (`""` for the top) with one of the extensions, sorted by
    /// name. A user's file replaces the shipped file with the same stem (`tables/x.xlsx`
    /// replaces `tables/x.csv`). Names starting with `.` or `~$` (Excel's lock files) are
    /// skipped.
    pub fn files(&self, sub: &str, exts: &[&str]) -> Vec<LayerFile> {
        let ext_ok = |name: &str| {
            Path::new(name)
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| exts.iter().any(|x| e.eq_ignore_ascii_case(x)))
                && !name.starts_with('.')
                && !name.starts_with("~$")
        };
        let join = |name: &str| {
            if sub.is_empty() {
                name.to_owned()
            } else {
                format!("{sub}/{name}")
            }
        };
        let mut out: Vec<LayerFile> = Vec::new();
        if let Some(u) = &self.user
            && let Ok(rd) = std::fs::read_dir(u.join(sub))
        {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if e.path().is_file() && ext_ok(&name) {
                    out.push(LayerFile {
                        rel: join(&name),
                        path: e.path(),
                        builtin: false,
                    });
                }
            }
        }
        if !self.complete {
            let prefix = format!("{}/{}", self.kind.root(), join(""));
            for (key, _) in files::FILES {
                let Some(name) = key.strip_prefix(&prefix) else {
                    continue;
                };
                if name.contains('/') || !ext_ok(name) {
                    continue;
                }
                let stem = stem(name);
                if out.iter().any(|f| stem_of(&f.rel) == stem) {
                    continue;
                }
                out.push(LayerFile {
                    rel: join(name),
                    path: self.builtin_dir().join(join(name)),
                    builtin: true,
                });
            }
        }
        out.sort_by(|a, b| a.rel.cmp(&b.rel));
        out
    }

    /// Every file under the folder, at any depth, except in `tests/` folders; the user's file
    /// replaces the shipped one with the same path.
    pub fn all_files(&self) -> Vec<LayerFile> {
        let mut out: Vec<LayerFile> = Vec::new();
        if let Some(u) = &self.user {
            let mut paths = Vec::new();
            walk::files(u, &mut paths);
            out.extend(paths.into_iter().map(|p| {
                LayerFile {
                    rel: p
                        .strip_prefix(u)
                        .unwrap_or(&p)
                        .to_string_lossy()
                        .replace('\\', "/"),
                    path: p,
                    builtin: false,
                }
            }));
        }
        if !self.complete {
            let prefix = format!("{}/", self.kind.root());
            for (key, _) in files::FILES {
                let Some(rel) = key.strip_prefix(&prefix) else {
                    continue;
                };
                if out.iter().any(|f| f.rel == rel) {
                    continue;
                }
                out.push(LayerFile {
                    rel: rel.to_owned(),
                    path: self.builtin_dir().join(rel),
                    builtin: true,
                });
            }
        }
        out.sort_by(|a, b| a.rel.cmp(&b.rel));
        out
    }
}

fn stem(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(s, _)| s)
}

fn stem_of(rel: &str) -> &str {
    stem(rel.rsplit('/').next().unwrap_or(rel))
}

/// The bytes of a shipped file's path (`(built-in)/rules/x`), or `None` for any other path.
pub fn builtin_bytes(path: &Path) -> Option<&'static [u8]> {
    let rest = path.strip_prefix(BUILTIN).ok()?;
    let key = rest.to_string_lossy().replace('\\', "/");
    files::FILES
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, bytes)| *bytes)
}

/// Reads a file: a shipped one from the binary, any other from disk.
pub fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    if path.starts_with(BUILTIN) {
        return builtin_bytes(path).map(<[u8]>::to_vec).ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such built-in file")
        });
    }
    std::fs::read(path)
}

/// Reads a UTF-8 file: a shipped one from the binary, any other from disk.
pub fn read_to_string(path: &Path) -> std::io::Result<String> {
    String::from_utf8(read(path)?)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// Every shipped file of a folder, as (path inside it, bytes).
pub fn shipped(kind: Kind) -> impl Iterator<Item = (&'static str, &'static [u8])> {
    let prefix = kind.root();
    files::FILES.iter().filter_map(move |(k, b)| {
        k.strip_prefix(prefix)
            .and_then(|r| r.strip_prefix('/'))
            .map(|r| (r, *b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_set_is_in_the_binary_byte_for_byte() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut n = 0;
        for kind in [Kind::Rules, Kind::Templates] {
            for (rel, bytes) in shipped(kind) {
                let on_disk = std::fs::read(root.join(kind.root()).join(rel)).unwrap();
                assert_eq!(on_disk, bytes, "{rel}");
                n += 1;
            }
        }
        assert!(n > 20, "{n} files");
        assert!(shipped(Kind::Rules).any(|(r, _)| r == "classify.rhai"));
        assert!(!shipped(Kind::Rules).any(|(r, _)| r.starts_with("tests/")));
    }

    #[test]
    fn a_partial_folder_overrides_by_stem_and_a_complete_one_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let rules = dir.path().join("rules");
        std::fs::create_dir_all(rules.join("sla")).unwrap();
        std::fs::create_dir_all(rules.join("tables")).unwrap();
        std::fs::write(rules.join("sla/extra.toml"), "").unwrap();
        std::fs::write(rules.join("tables/importance.xlsx"), "").unwrap();
        let l = Layered::new(Kind::Rules, &rules);
        assert!(l.uses_builtin());
        let sla: Vec<String> = l
            .files("sla", &["toml"])
            .into_iter()
            .map(|f| f.rel)
            .collect();
        assert!(sla.contains(&"sla/extra.toml".to_owned()));
        assert!(sla.contains(&"sla/three_level.toml".to_owned()));
        let tables = l.files("tables", &["csv", "xlsx", "toml"]);
        let imp: Vec<&LayerFile> = tables
            .iter()
            .filter(|f| f.rel.contains("importance"))
            .collect();
        assert_eq!(imp.len(), 1);
        assert!(!imp[0].builtin);
        let classify = l.file("classify.rhai").unwrap();
        assert!(classify.builtin);
        assert!(read(&classify.path).unwrap().starts_with(b"//"));
        std::fs::write(rules.join("classify.rhai"), "fn classify(c) { #{} }").unwrap();
        let complete = Layered::new(Kind::Rules, &rules);
        assert!(!complete.uses_builtin());
        assert_eq!(complete.files("sla", &["toml"]).len(), 1);
        let none = Layered::new(Kind::Rules, &dir.path().join("missing"));
        assert_eq!(none.describe(), "the built-in rules");
    }
}
