//! Atlas's format: `{version}_{description}.sql` (up only) checked against the folder's
//! `atlas.sum`, or golang-migrate names (`.up.sql` / `.down.sql`) with an `atlas.sum` over
//! the `.up.sql` files (Atlas's `golang-migrate` folder format) or over all of them. A folder whose files do not
//! match the sum is refused, naming the first file that differs. `-- atlas:txmode none` in
//! a file's leading comments runs it outside a transaction; `atlas:delimiter` and
//! `atlas:checkpoint` files are refused (dbfleet would split or run them differently).
//!
//! The sum is Atlas's (`sql/migrate/dir.go` `NewHashFile`): a running SHA-256 over each
//! file's name and bytes in name order, one line per file with the running digest, and a
//! first line hashing those lines.

use sha2::{Digest, Sha256};

use super::{FolderFile, Format, Numbered, Part, Reading, read_numbered, script};

pub(super) const EXPECTED: &str = "expected <version>_<description>.sql, listed in atlas.sum";

pub(super) const SUM_FILE: &str = "atlas.sum";

pub(super) fn read(reading: &mut Reading) {
    let golang_layout = reading
        .files
        .iter()
        .any(|f| f.name.ends_with(".up.sql") || f.name.ends_with(".down.sql"));
    let mut summed: Vec<(String, Vec<u8>)> = Vec::new();
    for file in reading.files {
        if file.is_set_file() || file.name == SUM_FILE || !file.name.ends_with(".sql") {
            continue;
        }
        let Some(Numbered {
            version,
            version_text,
            name,
            up,
            text,
        }) = read_numbered(reading, file, golang_layout, !golang_layout)
        else {
            continue;
        };
        summed.push((file.name.clone(), text.clone().into_bytes()));
        let mut script = script(&file.path, &text, 1, Format::Atlas);
        for directive in header_directives(&text) {
            match directive.split_whitespace().collect::<Vec<_>>().as_slice() {
                ["txmode", "none"] => script.no_transaction = true,
                ["txmode", "file"] | ["sum" | "nolint", ..] => {}
                [word @ ("delimiter" | "checkpoint"), ..] => {
                    reading.problem(&file.path, format!("`atlas:{word}` is not supported: dbfleet splits statements at `;` and runs every file in order"));
                }
                _ => {}
            }
        }
        reading.push(Part {
            version,
            version_text: version_text.to_owned(),
            name: name.to_owned(),
            dialect: None,
            up,
            script,
        });
    }
    let Some(sum_file) = reading.files.iter().find(|f| f.name == SUM_FILE) else {
        return;
    };
    // Atlas's golang-migrate folders sum only the `.up.sql` files; its own folders sum
    // every `.sql` (some hold golang-migrate names too): either matching is a match.
    let ups: Vec<(String, Vec<u8>)> = summed
        .iter()
        .filter(|(name, _)| name.ends_with(".up.sql"))
        .cloned()
        .collect();
    if golang_layout
        && reading
            .text(&sum_file.path)
            .is_some_and(|recorded| recorded == atlas_sum(&summed))
    {
        return;
    }
    check_sum(
        reading,
        sum_file,
        if golang_layout { &ups } else { &summed },
    );
}

/// The `atlas:` directives of a file's header: its leading `--` / `#` comment lines, when
/// a blank line follows them or nothing else is in the file (Atlas's rule).
fn header_directives(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            return found;
        }
        let Some(comment) = trimmed
            .strip_prefix("--")
            .or_else(|| trimmed.strip_prefix('#'))
        else {
            return Vec::new();
        };
        if let Some(directive) = comment.trim().strip_prefix("atlas:") {
            found.push(directive);
        }
    }
    found
}

fn check_sum(reading: &mut Reading, sum_file: &FolderFile, files: &[(String, Vec<u8>)]) {
    let Some(recorded) = reading.text(&sum_file.path) else {
        return;
    };
    let computed = atlas_sum(files);
    if recorded == computed {
        return;
    }
    let lines = |text: &str| -> Vec<(String, String)> {
        text.lines()
            .skip(1)
            .filter_map(|l| l.rsplit_once(' '))
            .map(|(name, hash)| (name.to_owned(), hash.to_owned()))
            .collect()
    };
    let (recorded_lines, computed_lines) = (lines(&recorded), lines(&computed));
    let differs = computed_lines
        .iter()
        .find(|line| !recorded_lines.contains(line))
        .map(|(name, _)| {
            if recorded_lines.iter().any(|(n, _)| n == name) {
                format!("`{name}` (or a file before it) is not what the sum was computed from")
            } else {
                format!("`{name}` is not in it")
            }
        })
        .or_else(|| {
            recorded_lines
                .iter()
                .find(|(name, _)| !computed_lines.iter().any(|(n, _)| n == name))
                .map(|(name, _)| format!("it lists `{name}`, which is not in the folder"))
        })
        .unwrap_or_else(|| "its first line (the sum of the lines) is wrong".to_owned());
    reading.problem(
        &sum_file.path,
        format!("the folder does not match its atlas.sum: {differs}. A migration file was changed, added or removed after the sum was written; restore it, or recompute the sum with `atlas migrate hash` if the change is meant"),
    );
}

/// The text of the `atlas.sum` for `files` (name, bytes), in name order.
pub fn atlas_sum(files: &[(String, Vec<u8>)]) -> String {
    let mut files: Vec<&(String, Vec<u8>)> = files.iter().collect();
    files.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut running = Sha256::new();
    let mut lines: Vec<(&str, String)> = Vec::new();
    for (name, bytes) in files {
        running.update(name.as_bytes());
        if sum_ignored(bytes) {
            continue;
        }
        running.update(bytes);
        lines.push((name, base64(&running.clone().finalize())));
    }
    let mut total = Sha256::new();
    for (name, hash) in &lines {
        total.update(name.as_bytes());
        total.update(hash.as_bytes());
    }
    let mut out = format!("h1:{}\n", base64(&total.finalize()));
    for (name, hash) in lines {
        out.push_str(&format!("{name} h1:{hash}\n"));
    }
    out
}

/// `atlas:sum ignore` on the file's first line: its name is summed, its contents are not.
fn sum_ignored(bytes: &[u8]) -> bool {
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let printable = first
        .iter()
        .position(|b| !(b' '..=b'~').contains(b))
        .map_or(first, |end| &first[..end]);
    String::from_utf8_lossy(printable)
        .split_once("atlas:sum")
        .is_some_and(|(_, rest)| rest.split_whitespace().next() == Some("ignore"))
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
