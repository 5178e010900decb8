//! A YAML error as an operator reads it: what went wrong, where (`file:line:col`), and
//! the lines around it — with every value that may be a secret printed as `***`.
//!
//! The lines are masked by reading the file's block structure line by line, the way the
//! error excerpt shows it, and deny by default: a value is shown only where it is known
//! to be harmless (a `host:` of a database entry, a `migrator:` setting, a set's
//! `targets:`). Hidden: every value of a secret-looking key (`password`, `passwd`,
//! `api_token`, ...) anywhere, every value of a database entry (or of the `database:`
//! defaults) under a key not known to be safe, every value under an unknown top-level
//! key (an anchor block merged into entries with `<<:`), the lines of a multi-line value
//! of any of those (block `|` `>`, folded plain or quoted scalars, flow collections over
//! several lines), and the password of every URL, even one holding an unencoded `@`.
//! Lines the reader cannot place (`? key` syntax, junk) are hidden too.

use std::borrow::Cow;
use std::path::Path;

use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::{Budget, DefaultMessageFormatter, Error, Location, MessageFormatter};

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
enum Place {
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
    fn of_key(self, key: &str) -> Place {
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
    fn of_item(self) -> Place {
        match self {
            Place::Root => Place::Opaque,
            Place::Entries => Place::Entry,
            other => other,
        }
    }

    fn shows_scalar(self) -> bool {
        matches!(self, Place::Shown | Place::Url)
    }
}

/// A mapping or list opened by a line: lines indented deeper belong to it.
#[derive(Debug, Clone, Copy)]
struct Frame {
    indent: usize,
    children: Place,
    /// Opened by `key:` with nothing after it: a list may start at the key's own indent.
    compact_list: bool,
}

/// A value that goes on over the next lines.
#[derive(Debug, Clone, Copy)]
enum Open {
    /// Lines indented more than `above` (and blank lines) belong to it.
    Indented { above: usize, shown: bool },
    /// A quoted scalar or a flow collection, until `scan` closes.
    Scanning { scan: Scan, shown: bool },
}

/// Quotes and brackets of a flow value, across lines.
#[derive(Debug, Clone, Copy, Default)]
struct Scan {
    depth: usize,
    quote: Option<char>,
}

impl Scan {
    /// Feeds `s`; the byte index just past the value's end, if it ends in `s`.
    fn feed(&mut self, s: &str) -> Option<usize> {
        let mut chars = s.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match (self.quote, c) {
                (Some('"'), '\\') => {
                    chars.next();
                }
                (Some('\''), '\'') if chars.peek().is_some_and(|&(_, n)| n == '\'') => {
                    chars.next();
                }
                (Some(q), c) if c == q => {
                    self.quote = None;
                    if self.depth == 0 {
                        return Some(i + c.len_utf8());
                    }
                }
                (Some(_), _) => {}
                (None, '"' | '\'') => self.quote = Some(c),
                (None, '{' | '[') => self.depth += 1,
                (None, '}' | ']') => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        return Some(i + 1);
                    }
                }
                (None, _) => {}
            }
        }
        None
    }
}

/// The file's lines as an error excerpt may show them, and what the masking hid.
pub(super) struct Masked {
    pub lines: Vec<String>,
    /// Hidden values, longest first, to scrub from the error message as well.
    pub hidden: Vec<String>,
    /// Per line, the mapping keys that start on it: (1-based column, key).
    pub keys: Vec<Vec<(usize, String)>>,
    /// Per line, the 1-based columns of the list dashes that start items on it.
    pub dashes: Vec<Vec<usize>>,
}

const MASK: &str = "***";

pub(super) fn mask(text: &str) -> Masked {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let source: Vec<&str> = text.lines().collect();
    let mut out = Masked {
        lines: Vec::with_capacity(source.len()),
        hidden: Vec::new(),
        keys: vec![Vec::new(); source.len()],
        dashes: vec![Vec::new(); source.len()],
    };
    // Per line, the indent of the next line that is not blank.
    let mut next_indents = vec![None; source.len()];
    let mut next = None;
    for (n, line) in source.iter().enumerate().rev() {
        next_indents[n] = next;
        if !line.trim().is_empty() {
            next = Some(line.len() - line.trim_start_matches([' ', '\t']).len());
        }
    }
    let mut frames: Vec<Frame> = Vec::new();
    let mut open: Option<Open> = None;
    for (n, line) in source.iter().enumerate() {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        let blank = line.trim().is_empty();
        // A value that goes on from an earlier line.
        match open {
            Some(Open::Indented { above, shown }) if blank || indent > above => {
                let continued = out.continued(line, indent, shown);
                out.lines.push(continued);
                continue;
            }
            Some(Open::Scanning { mut scan, shown }) => {
                match scan.feed(line) {
                    Some(end) => {
                        let value = out.continued(&line[..end], indent.min(end), shown);
                        let rest = out.shown(&line[end..], false);
                        out.lines.push(format!("{value}{rest}"));
                        open = None;
                    }
                    None => {
                        let continued = out.continued(line, indent, shown);
                        out.lines.push(continued);
                        open = Some(Open::Scanning { scan, shown });
                    }
                }
                continue;
            }
            _ => open = None,
        }
        if blank {
            out.lines.push((*line).to_owned());
            continue;
        }
        let content = &line[indent..];
        if content.starts_with('#') {
            let comment = out.shown(content, false);
            out.lines.push(format!("{}{comment}", &line[..indent]));
            continue;
        }
        if indent == 0 && (content.starts_with("---") || content.starts_with("...")) {
            frames.clear();
            let rest = &content[3..];
            let shown = if rest.trim().is_empty() || rest.trim_start().starts_with('#') {
                out.shown(rest, false)
            } else {
                out.hide(rest.trim());
                format!(" {MASK}")
            };
            out.lines.push(format!("{}{shown}", &content[..3]));
            continue;
        }
        let mut rendered = line[..indent].to_owned();
        let next_indent = next_indents[n];
        open = out.node(
            n,
            &mut frames,
            indent,
            content,
            false,
            next_indent,
            &mut rendered,
        );
        out.lines.push(rendered);
    }
    // Longest first, so that no part of a longer secret is left after a shorter one.
    out.hidden
        .sort_unstable_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    out.hidden.dedup();
    out
}

impl Masked {
    /// Text shown but for its secrets: every URL's password, and what follows a
    /// secret-looking word and `:` or `=` (see `mask_inline`).
    fn shown(&mut self, text: &str, in_value: bool) -> String {
        let mut hidden = Vec::new();
        let text = mask_url_passwords(text, &mut hidden);
        let text = mask_inline(&text, in_value, &mut hidden).into_owned();
        for value in hidden {
            self.hide(&value);
        }
        text
    }

    fn hide(&mut self, value: &str) {
        let value = value.trim().trim_matches(['"', '\'']).trim();
        if value.chars().count() >= 3 {
            self.hidden.push(value.to_owned());
        }
    }

    /// A whole line of a value begun earlier.
    fn continued(&mut self, line: &str, indent: usize, shown: bool) -> String {
        if shown || line.trim().is_empty() {
            self.shown(line, true)
        } else {
            self.hide(line);
            format!("{}{MASK}", &line[..indent])
        }
    }

    /// A scalar or flow value written on one line.
    fn value(&mut self, value: &str, shown: bool) -> String {
        if shown {
            self.shown(value, true)
        } else {
            // The parts of a URL are worth hiding one by one too: the message may quote
            // the password alone.
            let mut from = 0;
            while let Some(range) = url_password(value, from) {
                from = range.end;
                self.hide(&value[range]);
            }
            self.hide(value);
            MASK.to_owned()
        }
    }

    /// One node starting at byte `column` of line `n` (after any list dashes), whose
    /// text is `content`; appends its masked form to `rendered`. Returns what goes on
    /// over the next lines.
    #[allow(clippy::too_many_arguments)] // one line's parse state, threaded through
    fn node(
        &mut self,
        n: usize,
        frames: &mut Vec<Frame>,
        column: usize,
        content: &str,
        in_item: bool,
        next_indent: Option<usize>,
        rendered: &mut String,
    ) -> Option<Open> {
        // Leave the mappings and lists this line is not inside.
        if !in_item {
            let dash = content.starts_with('-') && is_indicator(content, 1);
            while let Some(top) = frames.last() {
                let inside =
                    top.indent < column || (dash && top.compact_list && top.indent == column);
                if inside {
                    break;
                }
                frames.pop();
            }
        }
        let parent = frames.last().map_or(Place::Root, |f| f.children);

        // A list item: `- value`, `- key: value`, `- - x`.
        if content.starts_with('-') && is_indicator(content, 1) {
            self.dashes[n].push(column + 1);
            let after = &content[1..];
            let gap = after.len() - after.trim_start_matches([' ', '\t']).len();
            let item = parent.of_item();
            frames.push(Frame {
                indent: column,
                children: item,
                compact_list: false,
            });
            rendered.push('-');
            rendered.push_str(&after[..gap]);
            let rest = &after[gap..];
            if rest.is_empty() {
                return None;
            }
            return self.node(
                n,
                frames,
                column + 1 + gap,
                rest,
                true,
                next_indent,
                rendered,
            );
        }
        // `? key` / `: value` (complex keys): nothing to read safely.
        if (content.starts_with('?') || content.starts_with(':')) && is_indicator(content, 1) {
            rendered.push_str(&content[..1]);
            if content[1..].trim().is_empty() {
                frames.push(Frame {
                    indent: column,
                    children: Place::Hidden,
                    compact_list: false,
                });
            } else {
                self.hide(&content[1..]);
                rendered.push(' ');
                rendered.push_str(MASK);
            }
            return Some(Open::Indented {
                above: column,
                shown: false,
            });
        }
        match split_key(content) {
            Some((key, after_colon)) => {
                self.keys[n].push((column + 1, key.clone()));
                let place = parent.of_key(&key);
                rendered.push_str(&content[..after_colon]);
                let value = &content[after_colon..];
                let (open, block) = self.scalar(place, value, column, next_indent, rendered);
                if block {
                    frames.push(Frame {
                        indent: column,
                        children: place,
                        compact_list: true,
                    });
                }
                open
            }
            None => {
                self.scalar(parent, content, column, next_indent, rendered)
                    .0
            }
        }
    }

    /// The value part of a line (after `key:`, or a list item's text) at `place`, for a
    /// node whose key (or dash) sits at byte `column`. Returns what goes on over the next
    /// lines, and whether the value is a block (a mapping or list on the lines below).
    fn scalar(
        &mut self,
        place: Place,
        value: &str,
        column: usize,
        next_indent: Option<usize>,
        rendered: &mut String,
    ) -> (Option<Open>, bool) {
        // Anchors and tags before the value are not secret.
        let mut rest = value;
        loop {
            let trimmed = rest.trim_start_matches([' ', '\t']);
            rendered.push_str(&rest[..rest.len() - trimmed.len()]);
            rest = trimmed;
            if rest.starts_with('&') || rest.starts_with('!') {
                let end = rest.find([' ', '\t']).unwrap_or(rest.len());
                rendered.push_str(&rest[..end]);
                rest = &rest[end..];
            } else {
                break;
            }
        }
        let continues = next_indent.is_some_and(|i| i > column);
        if rest.is_empty() || rest.starts_with('#') {
            let shown = self.shown(rest, false);
            rendered.push_str(&shown);
            return (None, true);
        }
        // A one-line URL is shown with its password masked; one over several lines is
        // hidden whole: its password may be on any of them.
        let shown = match place {
            Place::Url => !continues,
            other => other.shows_scalar(),
        };
        if rest.starts_with('*') {
            // An alias: the name of an anchor, never a secret.
            let shown = self.shown(rest, false);
            rendered.push_str(&shown);
            return (None, false);
        }
        let header = rest[1..]
            .trim_start_matches(|c: char| c.is_ascii_digit() || c == '+' || c == '-')
            .trim_start();
        if rest.starts_with(['|', '>']) && (header.is_empty() || header.starts_with('#')) {
            let shown = self.shown(rest, false);
            rendered.push_str(&shown);
            return (
                Some(Open::Indented {
                    above: column,
                    shown: place == Place::Shown,
                }),
                false,
            );
        }
        // A value that ends on this line: quoted, flow, or plain up to a comment.
        let (end, shown) = if rest.starts_with(['"', '\'', '{', '[']) {
            let mut scan = Scan::default();
            match scan.feed(rest) {
                Some(end) => (
                    end,
                    shown && (place != Place::Url || !rest.starts_with(['{', '['])),
                ),
                None => {
                    let shown = place == Place::Shown;
                    let masked = self.value(rest, shown);
                    rendered.push_str(&masked);
                    return (Some(Open::Scanning { scan, shown }), false);
                }
            }
        } else {
            let end = rest.find(" #").or_else(|| rest.find("\t#"));
            (end.unwrap_or(rest.len()), shown)
        };
        let value = rest[..end].trim_end();
        let masked = self.value(value, shown);
        rendered.push_str(&masked);
        let comment = self.shown(&rest[value.len()..], false);
        rendered.push_str(&comment);
        (
            Some(Open::Indented {
                above: column,
                shown: place == Place::Shown,
            }),
            false,
        )
    }
}

/// Whether the indicator character before byte `at` stands alone (`- x`, `-`), rather
/// than starting a word (`-5`, `---`).
fn is_indicator(content: &str, at: usize) -> bool {
    content[at..].is_empty() || content[at..].starts_with([' ', '\t'])
}

/// `key: ...` (the key unquoted) and the byte index just past the colon.
fn split_key(content: &str) -> Option<(String, usize)> {
    // Anchors and tags on the key itself.
    let mut start = 0;
    while content[start..].starts_with(['&', '!']) {
        let end = content[start..].find([' ', '\t'])? + start;
        start = end + content[end..].len() - content[end..].trim_start().len();
    }
    let body = &content[start..];
    if body.starts_with(['"', '\'']) {
        let mut scan = Scan::default();
        let end = scan.feed(body)?;
        let after = body[end..].trim_start_matches([' ', '\t']);
        if after.starts_with(':') && is_indicator(after, 1) {
            let colon = start + body.len() - after.len() + 1;
            let key = &body[1..end - 1];
            return Some((key.to_owned(), colon));
        }
        return None;
    }
    if body.starts_with(['{', '[', '*', '|', '>', '#', '%', '@', '`']) {
        return None;
    }
    let mut search = 0;
    loop {
        let colon = body[search..].find(':')? + search;
        let before = &body[..colon];
        if before.contains(" #") || before.contains("\t#") {
            return None;
        }
        if is_indicator(body, colon + 1) {
            return Some((before.trim_end().to_owned(), start + colon + 1));
        }
        search = colon + 1;
    }
}

/// In a value or comment shown as is, masks what follows a secret-looking word and `:`
/// or `=` (`{user: a, password: b}`, `# old password: x`). In a comment (`in_value`
/// false) the rest of it; in a value, up to the next `,` `}` `]` `;` or `&`.
fn mask_inline<'t>(text: &'t str, in_value: bool, hidden: &mut Vec<String>) -> Cow<'t, str> {
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
fn url_password(text: &str, from: usize) -> Option<std::ops::Range<usize>> {
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
fn mask_url_passwords<'t>(text: &'t str, hidden: &mut Vec<String>) -> Cow<'t, str> {
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

// ---------------------------------------------------------------------------------------

/// What the YAML library found, in an operator's words, with where and the masked lines
/// around it.
pub(super) fn render(path: &Path, text: &str, error: &Error) -> String {
    let (error, location) = innermost(error);
    let file = path.display();
    if let Error::Budget { breach, .. } = error {
        return format!(
            "{file} is too large: {}{}; a fleet's config is far smaller — is this the right file?",
            budget_wording(breach),
            location
                .map(|l| format!(" (limit reached at {file}:{}:{})", l.line(), l.column()))
                .unwrap_or_default()
        );
    }
    let masked = mask(text);
    let message = match error {
        Error::DuplicateMappingKey { key, location } => {
            let first = key
                .as_deref()
                .and_then(|k| first_occurrence(&masked, k, location));
            let key = key
                .as_deref()
                .map(|k| format!(" `{}`", k.escape_debug()))
                .unwrap_or_default();
            let first = first
                .map(|line| format!(" (first at line {line})"))
                .unwrap_or_default();
            format!("duplicate key{key}{first}: a key may appear once in a mapping")
        }
        Error::NonFiniteFloat { .. } => {
            "not a finite number (write it in quotes if it is text)".to_owned()
        }
        other => {
            let message = DefaultMessageFormatter.format_message(other);
            super::with_suggestion(&sanitize(&message))
        }
    };
    let mut message = message;
    for secret in &masked.hidden {
        message = message.replace(secret.as_str(), MASK);
    }
    let Some(location) = location else {
        return format!("in {file}: {message}");
    };
    let (line, column) = (location.line() as usize, location.column() as usize);
    let mut out = format!("in {file}: line {line} column {column}: {message}\n");
    out.push_str(&excerpt(
        &file.to_string(),
        &masked.lines,
        line,
        column,
        &message,
    ));
    out
}

/// The error itself (not an alias wrapper) and where it is, if known.
fn innermost(error: &Error) -> (&Error, Option<Location>) {
    let mut error = error.without_snippet();
    let mut location = error.location();
    while let Error::AliasError {
        error: inner,
        locations,
        ..
    } = error
    {
        location = [
            locations.reference_location,
            location.unwrap_or(Location::UNKNOWN),
        ]
        .into_iter()
        .find(|l| *l != Location::UNKNOWN);
        error = inner.without_snippet();
    }
    (
        error,
        location.filter(|l| *l != Location::UNKNOWN && l.line() > 0),
    )
}

/// No terminal control characters from the file reach the terminal.
fn sanitize(message: &str) -> String {
    message
        .chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() && c != '\n' {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

fn budget_wording(breach: &BudgetBreach) -> String {
    let limits = Budget::default();
    match breach {
        BudgetBreach::Nodes { .. } => format!("more than {} YAML nodes", limits.max_nodes),
        BudgetBreach::Events { .. } => format!("more than {} YAML events", limits.max_events),
        BudgetBreach::Depth { .. } => format!("nested more than {} levels deep", limits.max_depth),
        BudgetBreach::Aliases { .. } => {
            format!("more than {} aliases (`*name`)", limits.max_aliases)
        }
        BudgetBreach::Anchors { .. } => {
            format!("more than {} anchors (`&name`)", limits.max_anchors)
        }
        BudgetBreach::Documents { .. } => {
            format!("more than {} YAML documents", limits.max_documents)
        }
        BudgetBreach::ScalarBytes { .. } => format!(
            "more than {} bytes of values",
            limits.max_total_scalar_bytes
        ),
        BudgetBreach::MergeKeys { .. } => {
            format!("more than {} merge keys (`<<`)", limits.max_merge_keys)
        }
        BudgetBreach::AliasAnchorRatio { aliases, anchors } => format!(
            "{aliases} aliases (`*name`) for {anchors} anchors, far more uses than a config needs"
        ),
        BudgetBreach::InputBytes { input_bytes } => format!("{input_bytes} bytes"),
        _ => "too large or too deeply nested to read".to_owned(),
    }
}

/// The line where `key` first appears in the mapping whose duplicate is at `location`.
fn first_occurrence(masked: &Masked, key: &str, location: &Location) -> Option<usize> {
    let line = (location.line() as usize).checked_sub(1)?;
    let column = location.column() as usize;
    for n in (0..line.min(masked.keys.len())).rev() {
        let keys = &masked.keys[n];
        if keys.iter().any(|(c, k)| *c == column && k == key) {
            return Some(n + 1);
        }
        // Left the mapping: a key or a list item further left.
        if keys.iter().any(|(c, _)| *c < column) || masked.dashes[n].iter().any(|&d| d < column) {
            return None;
        }
    }
    None
}

/// Lines `line`-2 ..= `line`+2, a caret under `column`, long lines cropped around it.
fn excerpt(file: &str, lines: &[String], line: usize, column: usize, message: &str) -> String {
    const WIDTH: usize = 120;
    let last = (line + 2).min(lines.len());
    let first = line.saturating_sub(2).clamp(1, last.max(1));
    let gutter = line.max(last).to_string().len();
    let pad = " ".repeat(gutter);
    let label = message
        .split_once(", expected one of")
        .map_or(message, |(head, _)| head);
    let label = label.lines().next().unwrap_or_default();
    // The same horizontal window for every line, so they stay aligned.
    let start = column.saturating_sub(1).saturating_sub(WIDTH / 2);
    let widest = (first..=last)
        .filter_map(|n| lines.get(n - 1))
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0);
    let crop = |text: &str| -> String {
        if widest <= WIDTH {
            return text.to_owned();
        }
        let count = text.chars().count();
        let mut shown: String = text.chars().skip(start).take(WIDTH).collect();
        if start > 0 {
            shown.insert(0, '…');
        }
        if count > start + WIDTH {
            shown.push('…');
        }
        shown
    };
    let mut out = format!("{pad}--> {file}:{line}:{column}\n{pad} |\n");
    for n in first..=last {
        let Some(text) = lines.get(n - 1) else {
            break;
        };
        let text = crop(text);
        if text.is_empty() {
            out.push_str(&format!("{n:>gutter$} |\n"));
        } else {
            out.push_str(&format!("{n:>gutter$} | {text}\n"));
        }
        if n == line {
            let mut offset = column.saturating_sub(1);
            if widest > WIDTH {
                offset = offset - start.min(offset) + usize::from(start > 0);
            }
            out.push_str(&format!("{pad} | {}^ {label}\n", " ".repeat(offset)));
        }
    }
    if line > last {
        // At the end of the file, past its last line.
        out.push_str(&format!("{line:>gutter$} |\n{pad} | ^ {label}\n"));
    }
    out.push_str(&format!("{pad} |"));
    out
}
