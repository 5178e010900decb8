//! `dbfleet create NAME`: a new pair of migration files with the next version, holding only
//! comments: `plan` warns about the empty up, and the down stays irreversible until written.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error(
        "migration name `{0}` may only hold letters, digits and `_` (it becomes part of a file name)"
    )]
    BadName(String),
    /// The cause is not in the words (see `ConfigError::Read`).
    #[error("cannot create the migration at {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0} already exists")]
    Exists(PathBuf),
}

/// Creates `<dir>/<next version>_<name>.up.sql` and `.down.sql`. The next version follows
/// the folder's existing numbering: sequential with the same zero padding (`004` after
/// `003`), or a UTC timestamp when the folder already uses timestamps or `timestamp` is set.
pub fn create_migration(
    dir: &Path,
    name: &str,
    timestamp: bool,
) -> Result<(PathBuf, PathBuf), CreateError> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(CreateError::BadName(name.to_owned()));
    }
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| CreateError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut highest: Option<(u64, usize)> = None;
    for entry in std::fs::read_dir(dir).map_err(io(dir))?.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        let digits: &str = &file_name[..file_name.find(|c: char| !c.is_ascii_digit()).unwrap_or(0)];
        if let Ok(version) = digits.parse::<u64>()
            && highest.is_none_or(|(v, _)| version > v)
        {
            highest = Some((version, digits.len()));
        }
    }
    // A timestamp never at or below the highest version: two creates in one second must
    // not make a duplicate the catalog then refuses.
    let stamp = |after: Option<u64>| {
        let now: u64 = chrono::Utc::now()
            .format("%Y%m%d%H%M%S")
            .to_string()
            .parse()
            .unwrap_or(0);
        now.max(after.map_or(0, |v| v + 1)).to_string()
    };
    let version = match highest {
        Some((v, width)) if timestamp || width >= 14 => stamp(Some(v)),
        None if timestamp => stamp(None),
        Some((v, width)) => format!("{:0width$}", v + 1),
        None => "001".to_owned(),
    };
    let up = dir.join(format!("{version}_{name}.up.sql"));
    let down = dir.join(format!("{version}_{name}.down.sql"));
    for path in [&up, &down] {
        if path.exists() {
            return Err(CreateError::Exists(path.clone()));
        }
    }
    let header = |direction: &str| {
        format!(
            "-- {name} ({direction})\n-- Statements end with `;`. Dialect variants: {version}_{name}.<sqlite|postgres|mysql>.{direction}.sql\n"
        )
    };
    // Deliberately without the `-- dbfleet:empty` line: a down nobody wrote must stay
    // irreversible, not revert by deleting the row and leaving the schema.
    let down_text = format!(
        "{}-- Until this file has a statement, the migration is irreversible: `dbfleet down` refuses it.\n-- If reverting it needs no statement, say so with a line reading exactly: {}\n",
        header("down"),
        super::EMPTY_DIRECTIVE
    );
    std::fs::write(&up, header("up")).map_err(io(&up))?;
    std::fs::write(&down, down_text).map_err(io(&down))?;
    Ok((up, down))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_created_in_one_second_never_collide() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let version_of = |up: PathBuf| {
            let file = up
                .file_name()
                .and_then(|f| f.to_str())
                .unwrap_or_default()
                .to_owned();
            file.split('_').next().unwrap_or_default().to_owned()
        };
        let mut versions = Vec::new();
        for name in ["a", "b", "c"] {
            let (up, _) = create_migration(dir.path(), name, true).expect("created");
            versions.push(version_of(up));
        }
        // Numbered after timestamps: still above them, never the same second again.
        let (up, _) = create_migration(dir.path(), "d", false).expect("created");
        versions.push(version_of(up));
        let mut unique = versions.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), versions.len(), "{versions:?}");
        assert!(versions.iter().all(|v| v.len() == 14), "{versions:?}");
    }
}
