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
