//! The file's lines read by their block structure, the way an error excerpt shows them:
//! indents, list dashes, `key:` and the values that go on over several lines (block
//! scalars, quoted scalars, flow collections), so each value is masked by the place it
//! stands in (`secrets.rs` decides which places are shown). Also records where keys and
//! dashes start, for "first at line n" of a duplicate key.

use super::secrets::{MASK, Place, mask_inline, mask_url_passwords, url_password};

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
pub(in crate::config) struct Masked {
    pub lines: Vec<String>,
    /// Hidden values, longest first, to scrub from the error message as well.
    pub hidden: Vec<String>,
    /// Per line, the mapping keys that start on it: (1-based column, key).
    pub keys: Vec<Vec<(usize, String)>>,
    /// Per line, the 1-based columns of the list dashes that start items on it.
    pub dashes: Vec<Vec<usize>>,
}

pub(in crate::config) fn mask(text: &str) -> Masked {
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
        // `rest` may start with any character (a multi-byte one too): strip, never slice.
        let header = rest.strip_prefix(['|', '>']).map(|after| {
            after
                .trim_start_matches(|c: char| c.is_ascii_digit() || c == '+' || c == '-')
                .trim_start()
        });
        if header.is_some_and(|h| h.is_empty() || h.starts_with('#')) {
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
