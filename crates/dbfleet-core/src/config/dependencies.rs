//! `depends_on` checked across the whole fleet, once every entry is read: a name that is
//! no configured database, or a cycle, breaks the entries involved (not the load).

use super::{DatabaseEntry, EntryError};

/// Unknown names in `depends_on` and dependency cycles break the entries involved.
pub(super) fn check_dependencies(databases: &mut [DatabaseEntry]) {
    let names: Vec<String> = databases.iter().map(|d| d.name.clone()).collect();
    for entry in databases.iter_mut() {
        if let Some(missing) = entry.depends_on.iter().find(|d| !names.contains(d))
            && entry.target.is_ok()
        {
            entry.target = Err(EntryError(format!(
                "{}databases.{}: depends_on names `{missing}`, which is not a configured database",
                located(&entry.depends_on_at),
                entry.name
            )));
        }
    }
    let deps: Vec<(String, Vec<String>)> = databases
        .iter()
        .map(|d| (d.name.clone(), d.depends_on.clone()))
        .collect();
    for entry in databases.iter_mut() {
        if let Some(cycle) = find_cycle(&entry.name, &deps) {
            entry.target = Err(EntryError(format!(
                "{}databases.{}: depends_on forms a cycle: {}",
                located(&entry.depends_on_at),
                entry.name,
                cycle.join(" → ")
            )));
        }
    }
}

fn located(at: &Option<String>) -> String {
    at.as_ref().map(|at| format!("{at}: ")).unwrap_or_default()
}

fn find_cycle(start: &str, deps: &[(String, Vec<String>)]) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        start: &str,
        deps: &[(String, Vec<String>)],
        path: &mut Vec<String>,
    ) -> bool {
        let Some((_, next)) = deps.iter().find(|(n, _)| n == node) else {
            return false;
        };
        for dep in next {
            if dep == start {
                path.push(dep.clone());
                return true;
            }
            if path.contains(dep) {
                continue;
            }
            path.push(dep.clone());
            if visit(dep, start, deps, path) {
                return true;
            }
            path.pop();
        }
        false
    }
    let mut path = vec![start.to_owned()];
    visit(start, start, deps, &mut path).then_some(path)
}
