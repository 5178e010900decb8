//! Sizes and times as people read them, the same in the CLI and the console.

/// `132096` → `129.0 KiB`
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// `2026-11-23T13:10:10.635Z` → `2026-11-23 13:10:10Z`: the journal and JSON keep the
/// full form; a table wants it short.
pub fn time(rfc3339: &str) -> String {
    match rfc3339.split_once('.') {
        Some((seconds, _)) => format!("{}Z", seconds.replacen('T', " ", 1)),
        None => rfc3339.replacen('T', " ", 1),
    }
}

/// An error and its causes on one line, `what: why: why`, for a front that shows one line
/// (the CLI's reports show the causes beneath instead).
pub fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_and_times_read_short() {
        assert_eq!(super::size(512), "512 B");
        assert_eq!(super::size(132_096), "129.0 KiB");
        assert_eq!(super::size(7 * 1024 * 1024 + 1), "7.0 MiB");
        assert_eq!(
            super::time("2026-11-23T13:10:10.635Z"),
            "2026-11-23 13:10:10Z"
        );
    }
}

/// Names without what every column shares, so the columns stay narrow: the common tail
/// (`_service`) always, and the common head (`tenant_`) when a name would not fit `room`
/// otherwise, since a thousand `tenant_0…` columns tell nothing apart. Returns the short
/// names, the head and the tail removed.
pub fn short_names(names: &[&str], room: usize) -> (Vec<String>, String, String) {
    let (short, tail) = strip_common(names, true);
    if short.iter().all(|n| n.chars().count() <= room) {
        return (short, String::new(), tail);
    }
    let refs: Vec<&str> = short.iter().map(String::as_str).collect();
    let (shorter, head) = strip_common(&refs, false);
    (shorter, head, tail)
}

/// What `short_names` removed, said once above the short names: ` (names without "_service")`.
pub fn names_without(head: &str, tail: &str) -> String {
    match (head.is_empty(), tail.is_empty()) {
        (true, true) => String::new(),
        (true, false) => format!(" (names without \"{tail}\")"),
        (false, true) => format!(" (names without \"{head}\")"),
        (false, false) => format!(" (names without \"{head}\" and \"{tail}\")"),
    }
}

/// Removes the longest run of whole words (ending or starting at a `_`) every name shares
/// at its end (`from_end`) or its start, never emptying a name.
fn strip_common(names: &[&str], from_end: bool) -> (Vec<String>, String) {
    let chars = |n: &str| -> Vec<char> {
        if from_end {
            n.chars().rev().collect()
        } else {
            n.chars().collect()
        }
    };
    let first = names.first().map(|n| chars(n)).unwrap_or_default();
    let mut common = first.len();
    for name in names {
        let shared = first
            .iter()
            .zip(chars(name))
            .take_while(|(a, b)| **a == *b)
            .count();
        common = common.min(shared);
    }
    // Keep whole words: the shared part ends at its last `_` (seen from the name's side).
    let cut = first[..common]
        .iter()
        .rposition(|c| *c == '_')
        .map_or(0, |i| i + 1);
    let cut = if names.len() < 2 || names.iter().any(|n| n.chars().count() <= cut) {
        0
    } else {
        cut
    };
    let short = names
        .iter()
        .map(|n| {
            let count = n.chars().count();
            if from_end {
                n.chars().take(count - cut).collect()
            } else {
                n.chars().skip(cut).collect()
            }
        })
        .collect();
    let mut removed: Vec<char> = first[..cut].to_vec();
    if from_end {
        removed.reverse();
    }
    (short, removed.into_iter().collect())
}

#[cfg(test)]
mod short_names_tests {
    use super::short_names;

    #[test]
    fn shared_suffixes_are_cut_at_a_word() {
        let (short, head, tail) =
            short_names(&["user_service", "order_service", "analytics_service"], 9);
        assert_eq!(short, vec!["user", "order", "analytics"]);
        assert_eq!((head.as_str(), tail.as_str()), ("", "_service"));
        // Names that fit keep their shared head.
        let (short, head, tail) = short_names(&["tenant_01", "tenant_02"], 9);
        assert_eq!(short, vec!["tenant_01", "tenant_02"]);
        assert_eq!((head.as_str(), tail.as_str()), ("", ""));
    }

    #[test]
    fn a_shared_head_goes_when_names_would_not_fit_their_column() {
        let (short, head, tail) = short_names(&["tenant_0001_service", "tenant_0017_service"], 9);
        assert_eq!(short, vec!["0001", "0017"]);
        assert_eq!((head.as_str(), tail.as_str()), ("tenant_", "_service"));
        // Never down to nothing.
        let (short, _, _) = short_names(&["app_x", "app_x_y"], 3);
        assert!(short.iter().all(|n| !n.is_empty()));
    }
}
