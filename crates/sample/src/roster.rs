//! The staff roster (`roster.csv`): synthetic, unique names per seed.

use std::collections::HashSet;

use super::rng::Rng;
use super::vocab::{GIVEN, PROJECTS, Role, SURNAMES, Team};

const TAG_ROSTER: u64 = 10;

/// One member of staff.
#[derive(Clone, Debug)]
pub(crate) struct Person {
    pub(crate) name: String,
    pub(crate) team: &'static str,
    pub(crate) role: Role,
}

/// All staff, with indexes for the lookups the generator needs.
#[derive(Debug)]
pub(crate) struct Roster {
    pub(crate) people: Vec<Person>,
    /// Per `Team::ALL` index: (team leader, workers).
    teams: Vec<(u16, Vec<u16>)>,
    service_reps: Vec<u16>,
    service_leads: Vec<u16>,
    /// One per project, in `PROJECTS` order.
    project_managers: Vec<u16>,
    general_manager: u16,
    hq_reps: Vec<u16>,
}

/// A synthetic Chinese name: surname + one or two given characters.
pub(crate) fn person_name(rng: &mut Rng) -> String {
    let mut s = String::with_capacity(9);
    s.push_str(rng.pick(&SURNAMES));
    s.push_str(rng.pick(&GIVEN));
    if rng.chance(0.6) {
        s.push_str(rng.pick(&GIVEN));
    }
    s
}

impl Roster {
    pub(crate) fn new(seed: u64) -> Roster {
        let mut rng = Rng::keyed(seed, &[TAG_ROSTER]);
        let mut used = HashSet::new();
        let mut people: Vec<Person> = Vec::new();
        let mut add = |team: &'static str, role: Role, rng: &mut Rng| -> u16 {
            let name = loop {
                // Two-character given names make staff easier to tell apart.
                let mut n = String::new();
                n.push_str(rng.pick(&SURNAMES));
                n.push_str(rng.pick(&GIVEN));
                n.push_str(rng.pick(&GIVEN));
                if used.insert(n.clone()) {
                    break n;
                }
            };
            people.push(Person { name, team, role });
            (people.len() - 1) as u16
        };
        let mut teams = Vec::new();
        let mut service_leads = Vec::new();
        for team in Team::ALL {
            let leader = add(team.name(), Role::TeamLeader, &mut rng);
            if team == Team::Service {
                for _ in 0..2 {
                    service_leads.push(add(team.name(), Role::ServiceLead, &mut rng));
                }
            }
            let workers: Vec<u16> = (0..team.workers())
                .map(|_| add(team.name(), team.worker_role(), &mut rng))
                .collect();
            teams.push((leader, workers));
        }
        let service_reps = teams[0].1.clone();
        let project_managers = PROJECTS
            .iter()
            .map(|_| add("管理层", Role::ProjectManager, &mut rng))
            .collect();
        let general_manager = add("管理层", Role::GeneralManager, &mut rng);
        add("管理层", Role::PropertyDirector, &mut rng);
        let hq_reps = (0..3)
            .map(|_| add("总部客服中心", Role::ServiceRep, &mut rng))
            .collect();
        for _ in 0..2 {
            add("行政人事部", Role::HrClerk, &mut rng);
        }
        Roster {
            people,
            teams,
            service_reps,
            service_leads,
            project_managers,
            general_manager,
            hq_reps,
        }
    }

    fn team_index(team: Team) -> usize {
        Team::ALL.iter().position(|&t| t == team).unwrap_or(0)
    }
    pub(crate) fn leader(&self, team: Team) -> u16 {
        self.teams[Self::team_index(team)].0
    }
    pub(crate) fn worker(&self, team: Team, rng: &mut Rng) -> u16 {
        rng.pick(&self.teams[Self::team_index(team)].1)
    }
    pub(crate) fn rep(&self, rng: &mut Rng) -> u16 {
        rng.pick(&self.service_reps)
    }
    pub(crate) fn lead(&self, rng: &mut Rng) -> u16 {
        rng.pick(&self.service_leads)
    }
    pub(crate) fn project_manager(&self, project: usize) -> u16 {
        self.project_managers[project]
    }
    pub(crate) fn general_manager(&self) -> u16 {
        self.general_manager
    }
    pub(crate) fn hq_rep(&self, rng: &mut Rng) -> u16 {
        rng.pick(&self.hq_reps)
    }
    pub(crate) fn name(&self, i: u16) -> &str {
        &self.people[i as usize].name
    }
    pub(crate) fn role(&self, i: u16) -> Role {
        self.people[i as usize].role
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_leader_per_team_and_unique_names() {
        let r = Roster::new(3);
        let names: HashSet<_> = r.people.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names.len(), r.people.len());
        for team in Team::ALL {
            let leaders = r
                .people
                .iter()
                .filter(|p| p.team == team.name() && p.role == Role::TeamLeader)
                .count();
            assert_eq!(leaders, 1, "{}", team.name());
        }
    }
}
