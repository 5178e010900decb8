//! A migration's version as the tools write them: digits of any length (`001`, a 14-digit
//! timestamp, pop's 20 digits) or Flyway's dotted numbers (`1.2.10`, also written
//! `1_2_10`). Compared segment by segment as numbers, without ever converting to a
//! machine integer, so no version is too long. Flyway's repeatable migrations (`R__x.sql`)
//! have no number: their version is `R__x`, ordered after every numbered one.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// Canonical form: each segment without leading zeros (`0` for zero), joined by `.`,
/// trailing `.0` segments dropped (Flyway: `1.0` is `1`). Two spellings of one version
/// (`001`, `1`) are equal, and the canonical text is what dbfleet's table records.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version(String);

impl Version {
    pub const ZERO: &'static str = "0";
    /// What a repeatable migration's version starts with: `R__` and its description.
    pub const REPEATABLE: &'static str = "R__";

    /// A Flyway repeatable migration's version (`R__create_views`), `None` for an empty
    /// description.
    pub fn repeatable(description: &str) -> Option<Version> {
        (!description.is_empty()).then(|| Version(format!("{}{description}", Self::REPEATABLE)))
    }

    /// A repeatable migration (Flyway's `R__`): re-applied whenever its file changes, after
    /// the numbered ones, never reverted.
    pub fn is_repeatable(&self) -> bool {
        self.0.starts_with(Self::REPEATABLE)
    }

    /// `text` read as a version: digit runs separated by `.` or `_`. `None` when it is
    /// anything else (empty, a letter, two separators in a row).
    pub fn parse(text: &str) -> Option<Version> {
        if let Some(description) = text.strip_prefix(Self::REPEATABLE) {
            return Version::repeatable(description);
        }
        let mut segments: Vec<&str> = Vec::new();
        for segment in text.split(['.', '_']) {
            if segment.is_empty() || !segment.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let significant = segment.trim_start_matches('0');
            segments.push(if significant.is_empty() {
                "0"
            } else {
                significant
            });
        }
        while segments.len() > 1 && segments.last() == Some(&"0") {
            segments.pop();
        }
        Some(Version(segments.join(".")))
    }

    pub fn zero() -> Version {
        Version(Self::ZERO.to_owned())
    }

    pub fn is_zero(&self) -> bool {
        self.0 == Self::ZERO
    }

    /// The canonical text, as recorded in dbfleet's table.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The version as a signed 64-bit integer, when it is one that fits: what another
    /// tool's integer version column can hold.
    pub fn as_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }

    fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('.')
    }
}

/// Numbers without leading zeros compare by length first, then digit by digit.
fn compare_numbers(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.is_repeatable(), other.is_repeatable()) {
            (true, true) => return self.0.cmp(&other.0),
            (true, false) => return Ordering::Greater,
            (false, true) => return Ordering::Less,
            (false, false) => {}
        }
        let mut left = self.segments();
        let mut right = other.segments();
        loop {
            match (left.next(), right.next()) {
                (None, None) => return Ordering::Equal,
                (None, Some(_)) => return Ordering::Less,
                (Some(_), None) => return Ordering::Greater,
                (Some(a), Some(b)) => match compare_numbers(a, b) {
                    Ordering::Equal => {}
                    unequal => return unequal,
                },
            }
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl FromStr for Version {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::parse(s.trim()).ok_or_else(|| {
            format!("`{s}` is not a version: expected digits, or dotted numbers such as 1.2.10")
        })
    }
}

/// JSON carries versions as strings: a 20-digit version does not survive a JSON number
/// in most readers.
impl Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl From<u64> for Version {
    fn from(number: u64) -> Self {
        Version(number.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    #[test]
    fn spellings_of_one_version_are_equal() {
        assert_eq!(v("001"), v("1"));
        assert_eq!(v("1.0"), v("1"));
        assert_eq!(v("1_2_10"), v("1.2.10"));
        assert_eq!(v("000").as_str(), "0");
        assert!(v("000").is_zero());
        assert_eq!(v("0.0.0"), Version::zero());
    }

    #[test]
    fn versions_compare_as_numbers_of_any_length() {
        assert!(v("1.2.10") > v("1.2.9"));
        assert!(v("1.2") < v("1.2.1"));
        assert!(v("9") < v("10"));
        assert!(v("20210101000000000001") > v("9223372036854775807"));
        assert!(v("20210101000000000001") < v("20210101000000000002"));
        assert!(v("099999999999999999999") < v("100000000000000000000"));
        assert_eq!(v("20210101000000000001").as_i64(), None);
        assert_eq!(v("42").as_i64(), Some(42));
    }

    #[test]
    fn anything_but_dotted_digits_is_not_a_version() {
        for text in ["", "1..2", "1.", ".1", "v1", "1a", "1-2", " 1"] {
            assert!(Version::parse(text).is_none(), "{text:?}");
        }
        assert!("x".parse::<Version>().unwrap_err().contains("`x`"));
    }

    #[test]
    fn repeatables_come_after_every_numbered_version() {
        let views = v("R__views");
        assert_eq!(views, Version::repeatable("views").unwrap());
        assert_eq!(views.as_str(), "R__views");
        assert!(views.is_repeatable() && !v("1").is_repeatable());
        assert!(views > v("99999999999999999999999"));
        assert!(v("R__a") < views);
        assert!(Version::parse("R__").is_none());
    }

    #[test]
    fn json_carries_the_canonical_text() {
        assert_eq!(
            serde_json::to_string(&v("0020210101000000000001")).unwrap(),
            "\"20210101000000000001\""
        );
    }
}
