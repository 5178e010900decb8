//! `dbfleet create NAME`: a new pair of migration files with the next version, holding only
//! comments: `plan` warns about the empty up, and the down stays irreversible until written.
//! In a folder of another tool's format, the file that tool would write (`create_in_format`).

use std::path::{Path, PathBuf};

use super::{Format, Version};

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
    #[error("{0}")]
    Unsupported(String),
}

/// Creates the next migration of a folder written in `format`: dbfleet's pair, or the file
/// the folder's tool would write (one goose or dbmate file with both sections, a sqlx
/// up-only file, a Flyway `V…__name.sql`). Atlas folders are refused: a new file needs a
/// new `atlas.sum`, which is Atlas's to write.
pub fn create_in_format(
    dir: &Path,
    name: &str,
    timestamp: bool,
    format: Format,
) -> Result<Vec<PathBuf>, CreateError> {
    let single = |header: &str| -> Result<Vec<PathBuf>, CreateError> {
        let (up, down) = create_migration(dir, name, timestamp)?;
        let _ = std::fs::remove_file(&down);
        let file = up.with_file_name(
            up.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .replace(".up.sql", ".sql"),
        );
        let written = std::fs::rename(&up, &file).and_then(|()| std::fs::write(&file, header));
        if let Err(source) = written {
            let _ = std::fs::remove_file(&up);
            return Err(CreateError::Io { path: file, source });
        }
        Ok(vec![file])
    };
    match format {
        Format::Dbfleet | Format::GolangMigrate | Format::Pop => {
            let (up, down) = create_migration(dir, name, timestamp)?;
            Ok(vec![up, down])
        }
        Format::Sqlx if has_pairs(dir) => {
            let (up, down) = create_migration(dir, name, timestamp)?;
            Ok(vec![up, down])
        }
        Format::Sqlx => single(&format!("-- {name}\n")),
        Format::Goose => single(&format!(
            "-- +goose Up\n-- {name}\n\n-- +goose Down\n-- Until this section has a statement, the migration is irreversible: `dbfleet down` refuses it.\n"
        )),
        Format::Dbmate => single(&format!(
            "-- migrate:up\n-- {name}\n\n-- migrate:down\n-- Until this section has a statement, the migration is irreversible: `dbfleet down` refuses it.\n"
        )),
        Format::Flyway => create_flyway(dir, name),
        Format::Atlas => Err(CreateError::Unsupported(format!(
            "{} is an Atlas folder: a new file needs a new atlas.sum. Create it with `atlas migrate new {name}` (or `atlas migrate hash` after writing it)",
            dir.display()
        ))),
    }
}

fn has_pairs(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().ends_with(".up.sql"))
    })
}

/// `V{next}__{name}.sql`: the highest version with its last part one higher, written with
/// the same separator (`V1_27__` → `V1_28__`).
fn create_flyway(dir: &Path, name: &str) -> Result<Vec<PathBuf>, CreateError> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(CreateError::BadName(name.to_owned()));
    }
    let mut highest: Option<(Version, String)> = None;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some((text, _)) = file_name
            .strip_prefix('V')
            .and_then(|rest| rest.split_once("__"))
        else {
            continue;
        };
        if let Some(version) = Version::parse(text)
            && highest.as_ref().is_none_or(|(v, _)| &version > v)
        {
            highest = Some((version, text.to_owned()));
        }
    }
    let next = match highest {
        None => "1".to_owned(),
        Some((_, text)) => {
            let cut = text.rfind(['.', '_']).map_or(0, |i| i + 1);
            let last: String = text[cut..].to_owned();
            let bumped = increment(&last);
            format!("{}{bumped}", &text[..cut])
        }
    };
    let path = dir.join(format!("V{next}__{name}.sql"));
    if path.exists() {
        return Err(CreateError::Exists(path));
    }
    std::fs::write(&path, format!("-- {name}\n")).map_err(|source| CreateError::Io {
        path: path.clone(),
        source,
    })?;
    Ok(vec![path])
}

/// A decimal number one higher, digit by digit (any length), keeping its width.
fn increment(digits: &str) -> String {
    let mut out: Vec<u8> = digits.bytes().collect();
    for byte in out.iter_mut().rev() {
        if *byte == b'9' {
            *byte = b'0';
        } else {
            *byte += 1;
            return String::from_utf8_lossy(&out).into_owned();
        }
    }
    format!("1{}", String::from_utf8_lossy(&out))
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

    fn names(paths: &[PathBuf]) -> Vec<String> {
        paths
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn a_folder_of_another_format_gets_that_formats_files() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let goose = dir.path().join("goose");
        std::fs::create_dir_all(&goose).unwrap();
        std::fs::write(goose.join("00041_a.sql"), "-- +goose Up\n").unwrap();
        let made = create_in_format(&goose, "b", false, Format::Goose).unwrap();
        assert_eq!(names(&made), ["00042_b.sql"]);
        let text = std::fs::read_to_string(&made[0]).unwrap();
        assert!(text.starts_with("-- +goose Up\n") && text.contains("-- +goose Down"));

        let fly = dir.path().join("fly");
        std::fs::create_dir_all(&fly).unwrap();
        std::fs::write(fly.join("V1_9__a.sql"), "").unwrap();
        std::fs::write(fly.join("V1_10__b.sql"), "").unwrap();
        assert_eq!(
            names(&create_in_format(&fly, "c", false, Format::Flyway).unwrap()),
            ["V1_11__c.sql"]
        );
        assert_eq!(increment("099"), "100");
        assert_eq!(increment("99"), "100");

        let err = create_in_format(dir.path(), "x", false, Format::Atlas).unwrap_err();
        assert!(err.to_string().contains("atlas migrate new x"), "{err}");
    }

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
