//! Passwords and URLs that may embed one. They print as `***` however they are
//! formatted, so a stray `{:?}` in a log line cannot leak them.

use std::fmt;

#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The only way to read the value: grep for it to audit where secrets go.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Replace every occurrence of the secret in `text` (an error message from a driver,
    /// say) with `***`. Defence in depth: drivers are not trusted to leave it out.
    pub fn scrub(&self, text: &str) -> String {
        if self.0.len() < 3 {
            // Scrubbing a one- or two-character password would mangle ordinary words.
            return text.to_owned();
        }
        text.replace(&self.0, "***")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_formats_its_value() {
        let s = Secret::new("hunter22");
        assert_eq!(format!("{s} {s:?} {s:#?}"), "*** *** ***");
        assert_eq!(
            s.scrub("login failed for hunter22@db"),
            "login failed for ***@db"
        );
    }
}
