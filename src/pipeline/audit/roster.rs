//! The roster: person → team and role, and each team's leader, so "reviewed by a superior"
//! and "an interview with the team leader" are checked against who actually acted.
//! A CSV or XLSX with headers such as 姓名, 班组, 岗位 (and optionally 是否负责人).

use std::collections::HashMap;
use std::path::Path;

use crate::config::EncodingChoice;
use crate::error::{Error, Result};
use crate::pipeline::ingest::{IngestOptions, read_file};
use crate::pipeline::normalize::profile::header_key;
use crate::rejects::Rejects;

const NAME: &[&str] = &["姓名", "人员", "员工", "name", "person"];
const TEAM: &[&str] = &["班组", "所属班组", "部门", "team", "department"];
const ROLE: &[&str] = &["岗位", "职位", "角色", "role", "post"];
const LEADER: &[&str] = &["是否负责人", "负责人", "leader", "is_leader"];
/// Roles that make someone their team's leader when no leader column says otherwise.
const LEADER_ROLES: &[&str] = &["班组长", "组长", "队长", "主管"];

/// A person on the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Team.
    pub team: String,
    /// Role.
    pub role: String,
}

/// The loaded roster.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    /// Name → person.
    pub people: HashMap<String, Person>,
    /// Team → leader's name.
    pub leaders: HashMap<String, String>,
}

fn matches(h: &str, aliases: &[&str]) -> bool {
    let k = header_key(h);
    aliases.iter().any(|a| header_key(a) == k)
}

impl Roster {
    /// Loads a roster file.
    pub fn load(path: &Path, encoding: EncodingChoice) -> Result<Roster> {
        let is_header = |cells: &[String]| {
            cells.iter().any(|c| matches(c, NAME)) && cells.iter().any(|c| matches(c, ROLE))
        };
        let opts = IngestOptions {
            encoding,
            sheet: None,
            is_header: &is_header,
            chunk_bytes: crate::pipeline::ingest::CHUNK_BYTES,
            progress: &crate::progress::Meter::hidden(),
        };
        let mut rejects = Rejects::default();
        let (_, table) = read_file(path, 0, &opts, &mut rejects)?;
        let col = |aliases: &[&str]| table.headers.iter().position(|h| matches(h, aliases));
        let (Some(n), Some(r)) = (col(NAME), col(ROLE)) else {
            return Err(Error::MissingColumns {
                path: path.to_path_buf(),
                missing: vec!["姓名 (name)".into(), "岗位 (role)".into()],
                found: table.headers.clone(),
            });
        };
        let t = col(TEAM);
        let l = col(LEADER);
        let mut roster = Roster::default();
        for rec in &table.records {
            let get = |i: Option<usize>| {
                i.and_then(|i| rec.fields.get(i))
                    .map(str::trim)
                    .unwrap_or("")
                    .to_owned()
            };
            let name = get(Some(n));
            if name.is_empty() {
                continue;
            }
            let person = Person {
                team: get(t),
                role: get(Some(r)),
            };
            let flagged =
                l.map(|_| matches!(get(l).as_str(), "是" | "Y" | "y" | "yes" | "true" | "1"));
            let leader =
                flagged.unwrap_or_else(|| LEADER_ROLES.iter().any(|x| person.role.contains(x)));
            if leader && !person.team.is_empty() {
                roster
                    .leaders
                    .entry(person.team.clone())
                    .or_insert_with(|| name.clone());
            }
            roster.people.insert(name, person);
        }
        Ok(roster)
    }

    /// A person's role.
    pub fn role_of(&self, name: &str) -> Option<&str> {
        self.people.get(name).map(|p| p.role.as_str())
    }

    /// A team's leader.
    pub fn leader_of(&self, team: &str) -> Option<&str> {
        self.leaders.get(team).map(String::as_str)
    }
}
