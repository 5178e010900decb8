//! An entry's `session:` map: server settings applied on every migration connection
//! (`sql_mode`, `search_path`, `lock_timeout`, ...), merged key by key over the `session:`
//! of the `database:` defaults. Names are checked here, values kept typed, and each
//! setting remembers where it was written, so the server's refusal at connect can point
//! at the line.

use std::fmt;

use indexmap::IndexMap;

use super::{Node, SpannedNode};

/// One `name: value` of a `session:` map, in the order written.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionSetting {
    pub name: String,
    pub value: SessionValue,
    /// `file:line:column: databases.NAME.session.KEY` (or `database.session.KEY` when
    /// inherited from the defaults): where it was written, for the server's errors.
    pub origin: String,
}

/// A setting's value as YAML gave it: a number stays bare in SQL, a string is quoted.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionValue {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl fmt::Display for SessionValue {
    /// The value as the server's configuration reads it (`on`/`off` for booleans).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionValue::Str(s) => f.write_str(s),
            SessionValue::Int(i) => write!(f, "{i}"),
            SessionValue::Float(x) => write!(f, "{x}"),
            SessionValue::Bool(true) => f.write_str("on"),
            SessionValue::Bool(false) => f.write_str("off"),
        }
    }
}

/// What a setting's name may hold: it is written into SQL (`SET SESSION name = ...`), so
/// identifier characters only. A dot allows PostgreSQL's custom settings (`app.tenant`).
pub const SESSION_NAME_CHARACTERS: &str =
    "ASCII letters, digits, `_` and `.`, starting with a letter or `_`, at most 128 of them";

/// Why `name` cannot name a session setting, if it cannot.
pub fn session_name_problem(name: &str) -> Option<String> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.'))
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    (!ok).then(|| {
        format!(
            "`{}` is not a setting's name: a name may hold only {SESSION_NAME_CHARACTERS}",
            name.escape_debug()
        )
    })
}

/// Where one `session:` map stands, for its settings' origins and errors.
pub(super) struct SessionSource<'a> {
    pub(super) node: &'a SpannedNode,
    /// `databases.NAME.session` or `database.session`.
    pub(super) label: String,
}

/// The settings of `sources` (the defaults' map first, then the entry's), merged key by
/// key: a later map's value for a key replaces an earlier one's, in the earlier place.
/// `at` words an error at a place; `expand` expands `${VAR}` in a string value.
pub(super) fn session_settings(
    path: &std::path::Path,
    sources: &[SessionSource<'_>],
    expand: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<Vec<SessionSetting>, (serde_saphyr::Location, String)> {
    let mut merged: IndexMap<String, SessionSetting> = IndexMap::new();
    for source in sources {
        let map = match &source.node.value {
            Node::Map(map) => map,
            Node::Null => continue,
            other => {
                return Err((
                    source.node.referenced,
                    format!(
                        "session: expected a mapping of setting names to values, found {}",
                        other.kind()
                    ),
                ));
            }
        };
        for (name, value) in map {
            let loc = value.referenced;
            let at = |message: String| (loc, format!("session.{}: {message}", name.escape_debug()));
            if let Some(problem) = session_name_problem(name) {
                return Err((loc, format!("session: {problem}")));
            }
            let value = match &value.value {
                Node::Str(s) => SessionValue::Str(expand(s).map_err(at)?),
                Node::Int(i) => SessionValue::Int(*i),
                Node::Float(x) => SessionValue::Float(*x),
                Node::Bool(b) => SessionValue::Bool(*b),
                other => {
                    return Err(at(format!(
                        "expected a string, a number or a boolean, found {} (write \"\" for an empty string)",
                        other.kind()
                    )));
                }
            };
            if let SessionValue::Str(s) = &value
                && s.chars().any(char::is_control)
            {
                return Err(at(
                    "a value may not hold control characters (line breaks, tabs, ...)".into(),
                ));
            }
            let origin = format!(
                "{}:{}:{}: {}.{name}",
                path.display(),
                loc.line(),
                loc.column(),
                source.label
            );
            let setting = SessionSetting {
                name: name.clone(),
                value,
                origin,
            };
            // Settings names are case-insensitive on both servers.
            merged.insert(name.to_ascii_lowercase(), setting);
        }
    }
    Ok(merged.into_values().collect())
}
