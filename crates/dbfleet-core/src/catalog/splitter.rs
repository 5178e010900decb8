//! Splits the text of one migration file into the statements the runner sends one at a time,
//! so it can report "statement n of m" and point at the line that failed.
//!
//! This is a hand-written scanner rather than a SQL parser: it only needs to know where a
//! top-level terminator is, which means knowing every construct that can hide one (strings,
//! quoted identifiers, comments, dollar quotes, Sqlite trigger bodies, Postgres `BEGIN ATOMIC`
//! function bodies) in each dialect's flavour.
//!
//! The scanner works on bytes. Every byte it reacts to is ASCII, and UTF-8 never uses ASCII
//! values inside a multi-byte character, so every offset where it cuts the text is a character
//! boundary and slicing the `&str` there cannot panic.

use crate::dialect::Dialect;

/// One statement of a migration file, as it will be sent to the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The statement text, trimmed, without the terminating `;`. Comments inside or before it are kept verbatim (they are harmless to the server and keep line numbers meaningful).
    pub sql: String,
    /// 1-based line number in the file where the statement's first non-blank, non-comment character is.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    /// `what` is "string literal", "quoted identifier", "block comment",
    /// "dollar-quoted body `$body$`" (the file's own tag) or "BEGIN ... END block"; `line`
    /// is where it was opened.
    #[error("line {line}: unterminated {what}")]
    Unterminated { what: String, line: usize },
}

impl SplitError {
    /// The error located in `file`, as `file:line: unterminated ...`.
    pub fn at(&self, file: &str) -> String {
        match self {
            SplitError::Unterminated { what, line } => {
                format!("{file}:{line}: unterminated {what}")
            }
        }
    }

    /// The error of a text that starts `lines` lines into its file.
    pub fn shifted(self, lines: usize) -> SplitError {
        match self {
            SplitError::Unterminated { what, line } => SplitError::Unterminated {
                what,
                line: line + lines,
            },
        }
    }
}

const STRING_LITERAL: &str = "string literal";
const QUOTED_IDENTIFIER: &str = "quoted identifier";
const BLOCK_COMMENT: &str = "block comment";
const BODY_BLOCK: &str = "BEGIN ... END block";

/// Splits `sql` into statements at top-level terminators, as `dialect` would tokenize it.
pub fn split_statements(sql: &str, dialect: Dialect) -> Result<Vec<Statement>, SplitError> {
    Splitter::new(sql, dialect).run()
}

/// How far the current statement has been recognised as one whose `BEGIN ... END` body
/// contains semicolons that must not split it: a Sqlite `CREATE [TEMP] TRIGGER`, or a
/// Postgres `CREATE [OR REPLACE] FUNCTION | PROCEDURE` with a SQL-standard `BEGIN ATOMIC`
/// body (the same heuristic as psql's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyHeader {
    Start,
    SawCreate,
    /// Sqlite `CREATE TEMP`.
    SawTemp,
    /// Postgres `CREATE OR`.
    SawOr,
    /// Postgres `CREATE OR REPLACE`.
    SawReplace,
    /// `depth` counts open `BEGIN`/`CASE` words; `opened_at` is where depth last left zero,
    /// which is where an unterminated body is reported.
    Body {
        depth: usize,
        opened_at: usize,
    },
    NoBody,
}

struct Splitter<'a> {
    text: &'a str,
    bytes: &'a [u8],
    dialect: Dialect,
    pos: usize,
    /// Only Mysql's `DELIMITER` command ever changes this.
    delimiter: &'a str,
    chunk_start: usize,
    first_token: Option<usize>,
    body: BodyHeader,
    /// Open parentheses of the current statement: Postgres `BEGIN`/`CASE`/`END` inside them
    /// (a parameter named `begin`) do not open or close a body.
    parens: usize,
    lines: LineCounter,
    statements: Vec<Statement>,
}

impl<'a> Splitter<'a> {
    fn new(text: &'a str, dialect: Dialect) -> Self {
        // Editors on Windows like to prepend a BOM; sent to the server it is a syntax error.
        let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
        Splitter {
            text,
            bytes: text.as_bytes(),
            dialect,
            pos: start,
            delimiter: ";",
            chunk_start: start,
            first_token: None,
            body: Self::fresh_body_header(dialect),
            parens: 0,
            lines: LineCounter::default(),
            statements: Vec::new(),
        }
    }

    fn fresh_body_header(dialect: Dialect) -> BodyHeader {
        // Mysql bodies need DELIMITER, which the scanner handles on its own.
        if dialect == Dialect::Mysql {
            BodyHeader::NoBody
        } else {
            BodyHeader::Start
        }
    }

    fn run(mut self) -> Result<Vec<Statement>, SplitError> {
        while self.pos < self.bytes.len() {
            if self.at_terminator() {
                let end = self.pos;
                self.pos += self.delimiter.len();
                self.finish_statement(end);
                continue;
            }
            let byte = self.bytes[self.pos];
            let next = self.bytes.get(self.pos + 1).copied();
            match byte {
                b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => self.pos += 1,
                b'-' if next == Some(b'-') && self.starts_line_comment_after_dashes() => {
                    self.skip_line_comment()
                }
                b'#' if self.dialect == Dialect::Mysql => self.skip_line_comment(),
                b'/' if next == Some(b'*') => self.skip_block_comment()?,
                b'\'' => {
                    self.mark_token(false);
                    self.skip_quoted(b'\'', self.dialect == Dialect::Mysql, STRING_LITERAL)?;
                }
                b'"' if self.dialect == Dialect::Mysql => {
                    self.mark_token(false);
                    self.skip_quoted(b'"', true, STRING_LITERAL)?;
                }
                b'"' => {
                    self.mark_token(false);
                    self.skip_quoted(b'"', false, QUOTED_IDENTIFIER)?;
                }
                b'`' if self.dialect != Dialect::Postgres => {
                    self.mark_token(false);
                    self.skip_quoted(b'`', false, QUOTED_IDENTIFIER)?;
                }
                b'[' if self.dialect == Dialect::Sqlite => {
                    self.mark_token(false);
                    self.skip_bracket_identifier()?;
                }
                b'$' if self.dialect == Dialect::Postgres => match self.dollar_tag_len() {
                    Some(tag_len) => {
                        self.mark_token(false);
                        self.skip_dollar_body(tag_len)?;
                    }
                    // `$1` parameters, or a stray `$`.
                    None => {
                        self.mark_token(false);
                        self.pos += 1;
                    }
                },
                _ if is_word_byte(byte) => self.word()?,
                _ => {
                    self.mark_token(false);
                    match byte {
                        b'(' => self.parens += 1,
                        b')' => self.parens = self.parens.saturating_sub(1),
                        _ => {}
                    }
                    self.pos += 1;
                }
            }
        }
        if let BodyHeader::Body { depth, opened_at } = self.body
            && depth > 0
        {
            return Err(self.unterminated(BODY_BLOCK.to_owned(), opened_at));
        }
        self.finish_statement(self.bytes.len());
        Ok(self.statements)
    }

    fn at_terminator(&self) -> bool {
        if let BodyHeader::Body { depth, .. } = self.body
            && depth > 0
        {
            return false;
        }
        self.bytes[self.pos..].starts_with(self.delimiter.as_bytes())
    }

    /// Mysql only treats `--` as a comment when whitespace or a control character follows,
    /// so `5--1` is arithmetic there; the other dialects always start a comment.
    fn starts_line_comment_after_dashes(&self) -> bool {
        self.dialect != Dialect::Mysql || self.bytes.get(self.pos + 2).is_none_or(|&b| b <= b' ')
    }

    /// Records the first real token of the statement; `is_word` says whether it can advance
    /// the body header, anything else settles that this statement has no body.
    fn mark_token(&mut self, is_word: bool) {
        if self.first_token.is_none() {
            self.first_token = Some(self.pos);
        }
        if !is_word
            && matches!(
                self.body,
                BodyHeader::Start
                    | BodyHeader::SawCreate
                    | BodyHeader::SawTemp
                    | BodyHeader::SawOr
                    | BodyHeader::SawReplace
            )
        {
            self.body = BodyHeader::NoBody;
        }
    }

    fn finish_statement(&mut self, end: usize) {
        let chunk = self.text[self.chunk_start..end].trim();
        if let Some(first) = self.first_token
            && !chunk.is_empty()
        {
            let line = self.lines.line_at(self.bytes, first);
            self.statements.push(Statement {
                sql: chunk.to_owned(),
                line,
            });
        }
        self.chunk_start = self.pos;
        self.first_token = None;
        self.body = Self::fresh_body_header(self.dialect);
        self.parens = 0;
    }

    fn unterminated(&mut self, what: String, at: usize) -> SplitError {
        SplitError::Unterminated {
            what,
            line: self.lines.line_at(self.bytes, at),
        }
    }

    fn skip_line_comment(&mut self) {
        self.pos = match memchr(b'\n', &self.bytes[self.pos..]) {
            Some(offset) => self.pos + offset + 1,
            None => self.bytes.len(),
        };
    }

    fn skip_block_comment(&mut self) -> Result<(), SplitError> {
        let start = self.pos;
        let nests = self.dialect == Dialect::Postgres;
        let mut depth = 1usize;
        let mut i = start + 2;
        while i < self.bytes.len() {
            match (self.bytes[i], self.bytes.get(i + 1)) {
                (b'*', Some(b'/')) => {
                    i += 2;
                    depth -= 1;
                    if depth == 0 {
                        self.pos = i;
                        return Ok(());
                    }
                }
                (b'/', Some(b'*')) if nests => {
                    i += 2;
                    depth += 1;
                }
                _ => i += 1,
            }
        }
        Err(self.unterminated(BLOCK_COMMENT.to_owned(), start))
    }

    /// Skips a literal or identifier closed by `quote`, where a doubled `quote` stands for
    /// itself and, if `backslash_escapes`, a backslash protects the byte after it.
    fn skip_quoted(
        &mut self,
        quote: u8,
        backslash_escapes: bool,
        what: &'static str,
    ) -> Result<(), SplitError> {
        let start = self.pos;
        let mut i = start + 1;
        while i < self.bytes.len() {
            let byte = self.bytes[i];
            if backslash_escapes && byte == b'\\' {
                i += 2;
            } else if byte == quote {
                if self.bytes.get(i + 1) == Some(&quote) {
                    i += 2;
                } else {
                    self.pos = i + 1;
                    return Ok(());
                }
            } else {
                i += 1;
            }
        }
        Err(self.unterminated(what.to_owned(), start))
    }

    /// Sqlite accepts MS-Access style `[name]`; there is no escape for `]` inside.
    fn skip_bracket_identifier(&mut self) -> Result<(), SplitError> {
        match memchr(b']', &self.bytes[self.pos..]) {
            Some(offset) => {
                self.pos += offset + 1;
                Ok(())
            }
            None => Err(self.unterminated(QUOTED_IDENTIFIER.to_owned(), self.pos)),
        }
    }

    /// Length of the opening `$tag$` at the current position, if it is one. A digit cannot
    /// start a tag, which is what keeps `$1` a parameter.
    fn dollar_tag_len(&self) -> Option<usize> {
        let mut i = self.pos + 1;
        if self.bytes.get(i).is_some_and(|&b| is_tag_start_byte(b)) {
            i += 1;
            while self.bytes.get(i).is_some_and(|&b| is_tag_byte(b)) {
                i += 1;
            }
        }
        (self.bytes.get(i) == Some(&b'$')).then(|| i + 1 - self.pos)
    }

    fn skip_dollar_body(&mut self, tag_len: usize) -> Result<(), SplitError> {
        let start = self.pos;
        let tag = &self.bytes[start..start + tag_len];
        let body_start = start + tag_len;
        match find(&self.bytes[body_start..], tag) {
            Some(offset) => {
                self.pos = body_start + offset + tag_len;
                Ok(())
            }
            None => {
                // The tag is ASCII `$` ... `$` around identifier bytes: a character boundary
                // on both ends, so slicing the text cannot panic.
                let tag = &self.text[start..start + tag_len];
                Err(self.unterminated(
                    format!("dollar-quoted body {tag} (no closing {tag} follows)"),
                    start,
                ))
            }
        }
    }

    /// Consumes a run of identifier characters (or a number) and reacts to the keywords that
    /// matter: `DELIMITER`, Postgres `E'...'`, and the body header and body words.
    fn word(&mut self) -> Result<(), SplitError> {
        let start = self.pos;
        let mut end = start + 1;
        let custom_delimiter = self.delimiter != ";";
        while end < self.bytes.len() && is_word_byte(self.bytes[end]) {
            // Mysql procedures end with `END$$`, and `$` is an identifier character there.
            if custom_delimiter && self.bytes[end..].starts_with(self.delimiter.as_bytes()) {
                break;
            }
            end += 1;
        }
        let word = &self.bytes[start..end];

        if self.dialect == Dialect::Mysql
            && self.first_token.is_none()
            && word.eq_ignore_ascii_case(b"DELIMITER")
            && self.only_blanks_before_on_line(start)
            && self.delimiter_command(end)
        {
            return Ok(());
        }

        let is_number = word[0].is_ascii_digit();
        self.mark_token(!is_number);
        self.pos = end;
        if is_number {
            return Ok(());
        }

        if self.dialect == Dialect::Postgres
            && word.eq_ignore_ascii_case(b"E")
            && self.bytes.get(end) == Some(&b'\'')
        {
            return self.skip_quoted(b'\'', true, STRING_LITERAL);
        }

        // `new.begin` is a column, not a keyword.
        let qualified = start > 0 && self.bytes[start - 1] == b'.';
        if !qualified {
            self.advance_body_header(word, start);
        }
        Ok(())
    }

    fn advance_body_header(&mut self, word: &[u8], start: usize) {
        let is = |keyword: &str| word.eq_ignore_ascii_case(keyword.as_bytes());
        let sqlite = self.dialect == Dialect::Sqlite;
        // Postgres, like psql: only at parenthesis depth 0, and CASE only inside a body.
        let counts = sqlite || self.parens == 0;
        self.body = match self.body {
            BodyHeader::Start if is("CREATE") => BodyHeader::SawCreate,
            BodyHeader::SawCreate if sqlite && (is("TEMP") || is("TEMPORARY")) => {
                BodyHeader::SawTemp
            }
            BodyHeader::SawCreate | BodyHeader::SawTemp if sqlite && is("TRIGGER") => {
                BodyHeader::Body {
                    depth: 0,
                    opened_at: start,
                }
            }
            BodyHeader::SawCreate if !sqlite && is("OR") => BodyHeader::SawOr,
            BodyHeader::SawOr if is("REPLACE") => BodyHeader::SawReplace,
            BodyHeader::SawCreate | BodyHeader::SawReplace
                if !sqlite && (is("FUNCTION") || is("PROCEDURE")) =>
            {
                BodyHeader::Body {
                    depth: 0,
                    opened_at: start,
                }
            }
            BodyHeader::Start
            | BodyHeader::SawCreate
            | BodyHeader::SawTemp
            | BodyHeader::SawOr
            | BodyHeader::SawReplace => BodyHeader::NoBody,
            BodyHeader::Body { depth, opened_at }
                if counts && (is("BEGIN") || (is("CASE") && (sqlite || depth > 0))) =>
            {
                BodyHeader::Body {
                    depth: depth + 1,
                    opened_at: if depth == 0 { start } else { opened_at },
                }
            }
            BodyHeader::Body { depth, opened_at } if counts && is("END") => BodyHeader::Body {
                depth: depth.saturating_sub(1),
                opened_at,
            },
            other => other,
        };
    }

    fn only_blanks_before_on_line(&self, start: usize) -> bool {
        self.bytes[..start]
            .iter()
            .rev()
            .take_while(|&&b| b != b'\n')
            .all(|&b| b == b' ' || b == b'\t')
    }

    /// Called with the end of a line-leading `DELIMITER` word; if an argument follows, adopts
    /// it and drops the whole line, which is a client command the server must never see.
    fn delimiter_command(&mut self, word_end: usize) -> bool {
        let is_blank = |b: u8| b == b' ' || b == b'\t';
        let mut i = word_end;
        if !self.bytes.get(i).is_some_and(|&b| is_blank(b)) {
            return false;
        }
        while self.bytes.get(i).is_some_and(|&b| is_blank(b)) {
            i += 1;
        }
        let arg_start = i;
        while self.bytes.get(i).is_some_and(|&b| !b.is_ascii_whitespace()) {
            i += 1;
        }
        if i == arg_start {
            return false;
        }
        self.delimiter = &self.text[arg_start..i];
        self.pos = i;
        self.skip_line_comment();
        self.chunk_start = self.pos;
        self.body = Self::fresh_body_header(self.dialect);
        true
    }
}

/// Identifier characters, digits for numbers, and every byte of a non-ASCII character, so
/// that keywords are only ever matched as whole words.
fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'$' || byte >= 0x80
}

fn is_tag_start_byte(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80
}

fn is_tag_byte(byte: u8) -> bool {
    is_tag_start_byte(byte) || byte.is_ascii_digit()
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

/// Dollar-quote tags are short, so a naive search stays linear in practice.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Turns byte offsets into line numbers. Offsets are asked for in increasing order, so
/// counting forward from the previous answer keeps the whole split linear.
#[derive(Default)]
struct LineCounter {
    offset: usize,
    newlines: usize,
}

impl LineCounter {
    fn line_at(&mut self, bytes: &[u8], offset: usize) -> usize {
        if offset < self.offset {
            *self = LineCounter::default();
        }
        let offset = offset.min(bytes.len());
        self.newlines += bytes[self.offset..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.offset = offset;
        self.newlines + 1
    }
}

#[cfg(test)]
#[path = "splitter_tests.rs"]
mod tests;
