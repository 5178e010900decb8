//! What counts as secret in config.yaml, decided apart from how the file is walked: the
//! place a value stands in (a database entry's `host:` is shown, its `password:` or any
//! key it does not know is hidden), the words that mark a secret key wherever it stands,
//! and the secrets written inline (`password=x` in a value or comment, a URL's password).

use std::borrow::Cow;

/// Keys of a database entry whose values are never secret.
const SAFE_ENTRY_KEYS: &[&str] = &[
    "driver",
    "host",
    "port",
    "username",
    "user",
    "database",
    "charset",
    "schema",
    "sslmode",
    "depends_on",
];

/// Parts of key names that mark a secret, wherever the key stands.
const SECRET_WORDS: &[&str] = &[
    "pass",
    "pwd",
    "secret",
    "token",
    "credential",
    "auth",
    "key",
    "private",
    "cert",
    "salt",
    "dsn",
    "cookie",
    "session",
];

fn secret_looking(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|w| key.contains(w))
}

/// Where a value stands, which decides whether it may be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    /// The top level of the file.
    Root,
    /// Under `databases:`: keys are database names.
    Entries,
    /// A database entry, or the `database:` defaults.
    Entry,
    /// A value known to be harmless (and everything under it).
    Shown,
    /// A `url:` of an entry: shown on one line with its password masked.
    Url,
    /// Under an unknown top-level key: keys shown, values hidden.
    Opaque,
    /// Everything hidden.
    Hidden,
}

impl Place {
    pub(super) fn of_key(self, key: &str) -> Place {
        if secret_looking(key) {
            return Place::Hidden;
        }
        match self {
            Place::Root => match key {
                "database" => Place::Entry,
                "databases" => Place::Entries,
                "environment" | "migrator" | "sets" => Place::Shown,
                _ => Place::Opaque,
            },
            Place::Entries => Place::Entry,
            Place::Entry => match key {
                "url" => Place::Url,
                "<<" => Place::Entry,
                k if SAFE_ENTRY_KEYS.contains(&k) => Place::Shown,
                _ => Place::Hidden,
            },
            Place::Shown => Place::Shown,
            Place::Opaque => Place::Opaque,
            Place::Url | Place::Hidden => Place::Hidden,
        }
    }

    /// The place of the items of a list standing here.
    pub(super) fn of_item(self) -> Place {
        match self {
            Place::Root => Place::Opaque,
            Place::Entries => Place::Entry,
            other => other,
        }
    }

    pub(super) fn shows_scalar(self) -> bool {
        matches!(self, Place::Shown | Place::Url)
    }
}

pub(super) const MASK: &str = "***";

/// In a value or comment shown as is, masks what follows a secret-looking word and `:`
/// or `=` (`{user: a, password: b}`, `# old password: x`). In a comment (`in_value`
/// false) the rest of it; in a value, up to the next `,` `}` `]` `;` or `&`.
pub(super) fn mask_inline<'t>(
    text: &'t str,
    in_value: bool,
    hidden: &mut Vec<String>,
) -> Cow<'t, str> {
    let lower = text.to_ascii_lowercase();
    let mut out = String::new();
    let mut copied = 0;
    let mut at = 0;
    while at < text.len() {
        // Secret words are ASCII: where one starts is a char boundary.
        let Some(word) = SECRET_WORDS
            .iter()
            .find(|w| lower.as_bytes()[at..].starts_with(w.as_bytes()))
        else {
            at += 1;
            continue;
        };
        // The rest of the word, an optional closing quote, spaces, then `:` or `=`.
        let pos = at;
        let word_end = pos
            + word.len()
            + text[pos + word.len()..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(text.len() - pos - word.len());
        let mut i = word_end;
        i += text[i..].len() - text[i..].trim_start_matches(['"', '\'']).len();
        i += text[i..].len() - text[i..].trim_start().len();
        if !text[i..].starts_with([':', '=']) {
            // No later start inside the same word can end elsewhere.
            at = word_end;
            continue;
        }
        let value_start = i + 1 + text[i + 1..].len() - text[i + 1..].trim_start().len();
        let value_end = if in_value {
            text[value_start..]
                .find([',', '}', ']', ';', '&'])
                .map_or(text.len(), |e| e + value_start)
        } else {
            text.len()
        };
        if value_end > value_start && !text[value_start..value_end].trim().is_empty() {
            hidden.push(text[value_start..value_end].to_owned());
            out.push_str(&text[copied..value_start]);
            out.push_str(MASK);
            copied = value_end;
        }
        at = value_end.max(word_end);
    }
    if copied == 0 {
        Cow::Borrowed(text)
    } else {
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    }
}

/// The byte range of the password of the first URL in `text[from..]` that has one. The
/// userinfo ends at the URL's last `@`, so an unencoded `@` in a password stays in it.
pub(super) fn url_password(text: &str, from: usize) -> Option<std::ops::Range<usize>> {
    let mut search = from;
    while let Some(found) = text[search..].find("://") {
        let start = search + found + 3;
        let end = text[start..]
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'')
            .map_or(text.len(), |e| e + start);
        let token = &text[start..end];
        if let Some(at) = token.rfind('@')
            && let Some(colon) = token[..at].find(':')
            && colon + 1 < at
        {
            return Some(start + colon + 1..start + at);
        }
        search = end.max(start);
    }
    None
}

/// Every URL's password in `text` as `***`.
pub(super) fn mask_url_passwords<'t>(text: &'t str, hidden: &mut Vec<String>) -> Cow<'t, str> {
    let mut out = String::new();
    let mut copied = 0;
    while let Some(range) = url_password(text, copied) {
        hidden.push(text[range.clone()].to_owned());
        out.push_str(&text[copied..range.start]);
        out.push_str(MASK);
        copied = range.end;
    }
    if copied == 0 {
        Cow::Borrowed(text)
    } else {
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    }
}
