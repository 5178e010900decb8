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
mod tests {
    use super::*;

    fn split(sql: &str, dialect: Dialect) -> Vec<String> {
        split_statements(sql, dialect)
            .unwrap()
            .into_iter()
            .map(|s| s.sql)
            .collect()
    }

    fn split_all(sql: &str) -> [Vec<String>; 3] {
        Dialect::ALL.map(|d| split(sql, d))
    }

    fn lines(sql: &str, dialect: Dialect) -> Vec<usize> {
        split_statements(sql, dialect)
            .unwrap()
            .into_iter()
            .map(|s| s.line)
            .collect()
    }

    fn error(sql: &str, dialect: Dialect) -> (String, usize) {
        match split_statements(sql, dialect) {
            Err(SplitError::Unterminated { what, line }) => (what, line),
            Ok(statements) => panic!("expected an error, got {statements:?}"),
        }
    }

    #[test]
    fn empty_input_yields_no_statements() {
        for dialect in Dialect::ALL {
            assert!(split_statements("", dialect).unwrap().is_empty());
            assert!(split_statements("  \n\t\r\n ", dialect).unwrap().is_empty());
            assert!(split_statements(";;\n ; ", dialect).unwrap().is_empty());
        }
    }

    #[test]
    fn comment_only_input_yields_no_statements() {
        let sql = "-- just a note\n/* and a block\n over lines */\n-- at EOF";
        for dialect in Dialect::ALL {
            assert!(split_statements(sql, dialect).unwrap().is_empty());
        }
        assert!(split("# mysql note\n", Dialect::Mysql).is_empty());
    }

    #[test]
    fn splits_on_top_level_semicolons() {
        let sql = "CREATE TABLE a (id INT);\nCREATE TABLE b (id INT);\n";
        for statements in split_all(sql) {
            assert_eq!(
                statements,
                ["CREATE TABLE a (id INT)", "CREATE TABLE b (id INT)"]
            );
        }
    }

    #[test]
    fn last_statement_without_semicolon_is_returned() {
        for statements in split_all("SELECT 1;\nSELECT 2\n") {
            assert_eq!(statements, ["SELECT 1", "SELECT 2"]);
        }
    }

    #[test]
    fn trailing_comment_is_not_a_statement() {
        for statements in split_all("SELECT 1;\n-- the end\n/* really */\n") {
            assert_eq!(statements, ["SELECT 1"]);
        }
    }

    #[test]
    fn leading_comment_is_kept_but_line_points_at_sql() {
        let sql = "SELECT 1;\n\n-- add users\n/* second\n   line */\nCREATE TABLE users (id INT);";
        for dialect in Dialect::ALL {
            let statements = split_statements(sql, dialect).unwrap();
            assert_eq!(
                statements[1].sql,
                "-- add users\n/* second\n   line */\nCREATE TABLE users (id INT)"
            );
            assert_eq!(statements[1].line, 6);
        }
    }

    #[test]
    fn line_numbers_follow_multiline_statements() {
        let sql = "\n\nCREATE TABLE a (\n  id INT\n);\nINSERT INTO a VALUES (1); INSERT INTO a VALUES (2);\n\n\nSELECT\n1";
        for dialect in Dialect::ALL {
            assert_eq!(lines(sql, dialect), [3, 6, 6, 9]);
        }
    }

    #[test]
    fn semicolon_in_single_quoted_string() {
        for statements in split_all("INSERT INTO t VALUES ('a;b', 'it''s; ok');\nSELECT 2;") {
            assert_eq!(
                statements,
                ["INSERT INTO t VALUES ('a;b', 'it''s; ok')", "SELECT 2"]
            );
        }
    }

    #[test]
    fn semicolon_in_double_quoted_identifier() {
        for statements in split_all("CREATE TABLE \"a;\"\"b\" (id INT);\nSELECT 2;") {
            assert_eq!(
                statements,
                ["CREATE TABLE \"a;\"\"b\" (id INT)", "SELECT 2"]
            );
        }
    }

    #[test]
    fn semicolon_in_line_comment() {
        for statements in split_all("SELECT 1 -- not; here\n, 2;\nSELECT 3;") {
            assert_eq!(statements, ["SELECT 1 -- not; here\n, 2", "SELECT 3"]);
        }
    }

    #[test]
    fn line_comment_at_eof_without_newline() {
        for statements in split_all("SELECT 1; --") {
            assert_eq!(statements, ["SELECT 1"]);
        }
        for statements in split_all("SELECT 1 -- done; really") {
            assert_eq!(statements, ["SELECT 1 -- done; really"]);
        }
    }

    #[test]
    fn semicolon_in_block_comment() {
        for statements in split_all("SELECT /* a; b */ 1;\nSELECT 2;") {
            assert_eq!(statements, ["SELECT /* a; b */ 1", "SELECT 2"]);
        }
    }

    #[test]
    fn postgres_block_comments_nest() {
        let sql = "SELECT /* outer /* inner; */ still; comment */ 1;\nSELECT 2;";
        assert_eq!(
            split(sql, Dialect::Postgres),
            [
                "SELECT /* outer /* inner; */ still; comment */ 1",
                "SELECT 2"
            ]
        );
    }

    #[test]
    fn mysql_and_sqlite_block_comments_do_not_nest() {
        let sql = "SELECT /* outer /* inner */ 1; SELECT 2;";
        for dialect in [Dialect::Mysql, Dialect::Sqlite] {
            assert_eq!(
                split(sql, dialect),
                ["SELECT /* outer /* inner */ 1", "SELECT 2"]
            );
        }
    }

    #[test]
    fn hash_comment_is_mysql_only() {
        let sql = "SELECT 5 # 3; SELECT 2\n;SELECT 4";
        assert_eq!(
            split(sql, Dialect::Mysql),
            ["SELECT 5 # 3; SELECT 2", "SELECT 4"]
        );
        assert_eq!(
            split(sql, Dialect::Postgres),
            ["SELECT 5 # 3", "SELECT 2", "SELECT 4"]
        );
    }

    #[test]
    fn mysql_double_dash_needs_trailing_whitespace() {
        assert_eq!(
            split("SELECT 5--1; SELECT 2;", Dialect::Mysql),
            ["SELECT 5--1", "SELECT 2"]
        );
        assert_eq!(
            split("SELECT 5 --\tx; y\nSELECT 2;", Dialect::Mysql),
            ["SELECT 5 --\tx; y\nSELECT 2"]
        );
        assert_eq!(
            split("SELECT 5--1; SELECT 2;", Dialect::Postgres),
            ["SELECT 5--1; SELECT 2;"]
        );
    }

    #[test]
    fn mysql_backslash_escaped_quote() {
        let sql = "INSERT INTO t VALUES ('it\\'s; fine', 'back\\\\');\nSELECT 2;";
        assert_eq!(
            split(sql, Dialect::Mysql),
            [
                "INSERT INTO t VALUES ('it\\'s; fine', 'back\\\\')",
                "SELECT 2"
            ]
        );
    }

    #[test]
    fn mysql_double_quotes_are_strings_with_backslash_escapes() {
        let sql = "SELECT \"say \\\"hi;\\\" \"\"now\"\"\";\nSELECT 2;";
        assert_eq!(
            split(sql, Dialect::Mysql),
            ["SELECT \"say \\\"hi;\\\" \"\"now\"\"\"", "SELECT 2"]
        );
    }

    #[test]
    fn mysql_backtick_identifier() {
        let sql = "CREATE TABLE `odd;``name` (id INT);\nSELECT 2;";
        assert_eq!(
            split(sql, Dialect::Mysql),
            ["CREATE TABLE `odd;``name` (id INT)", "SELECT 2"]
        );
    }

    #[test]
    fn sqlite_bracket_and_backtick_identifiers() {
        let sql = "CREATE TABLE [a;b] (`c;d` INT);\nSELECT 2;";
        assert_eq!(
            split(sql, Dialect::Sqlite),
            ["CREATE TABLE [a;b] (`c;d` INT)", "SELECT 2"]
        );
    }

    #[test]
    fn postgres_standard_string_backslash_is_not_escape() {
        let sql = "INSERT INTO paths VALUES ('C:\\');\nSELECT 2;";
        assert_eq!(
            split(sql, Dialect::Postgres),
            ["INSERT INTO paths VALUES ('C:\\')", "SELECT 2"]
        );
        assert_eq!(
            split(sql, Dialect::Sqlite),
            ["INSERT INTO paths VALUES ('C:\\')", "SELECT 2"]
        );
    }

    #[test]
    fn postgres_escape_string_takes_backslash_escapes() {
        let sql = "SELECT E'it\\'s; fine', e'x\\\\';\nSELECT 2;";
        assert_eq!(
            split(sql, Dialect::Postgres),
            ["SELECT E'it\\'s; fine', e'x\\\\'", "SELECT 2"]
        );
        // Only a standalone `E` prefix makes an escape string.
        assert_eq!(
            split("SELECT name'x\\'; SELECT 2", Dialect::Postgres),
            ["SELECT name'x\\'", "SELECT 2"]
        );
    }

    #[test]
    fn postgres_dollar_quoted_body() {
        let sql = "DO $$ BEGIN PERFORM 1; PERFORM 2; END $$;\nSELECT 2;";
        assert_eq!(
            split(sql, Dialect::Postgres),
            ["DO $$ BEGIN PERFORM 1; PERFORM 2; END $$", "SELECT 2"]
        );
    }

    #[test]
    fn postgres_tagged_dollar_body() {
        let sql = "CREATE FUNCTION f() RETURNS int AS $fn$ SELECT 1; $fn$ LANGUAGE sql;\nSELECT 2;";
        assert_eq!(
            split(sql, Dialect::Postgres),
            [
                "CREATE FUNCTION f() RETURNS int AS $fn$ SELECT 1; $fn$ LANGUAGE sql",
                "SELECT 2"
            ]
        );
    }

    #[test]
    fn postgres_plpgsql_body_containing_double_dollar() {
        let sql = r"
CREATE OR REPLACE FUNCTION audit() RETURNS trigger AS $body$
BEGIN
    -- a comment with a quote ' and a ;
    EXECUTE format($$INSERT INTO log VALUES (%L);$$, NEW.id);
    RAISE NOTICE 'done; $$ is just text here';
    RETURN NEW;
END;
$body$ LANGUAGE plpgsql;

CREATE TRIGGER t AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION audit();
";
        let statements = split_statements(sql, Dialect::Postgres).unwrap();
        assert_eq!(statements.len(), 2);
        assert!(statements[0].sql.starts_with("CREATE OR REPLACE FUNCTION"));
        assert!(statements[0].sql.ends_with("$body$ LANGUAGE plpgsql"));
        assert_eq!(statements[0].line, 2);
        assert_eq!(statements[1].line, 11);
    }

    #[test]
    fn postgres_positional_params_are_not_dollar_quotes() {
        let sql = "PREPARE q AS SELECT $1, $2; SELECT 2; SELECT 3";
        assert_eq!(
            split(sql, Dialect::Postgres),
            ["PREPARE q AS SELECT $1, $2", "SELECT 2", "SELECT 3"]
        );
    }

    #[test]
    fn stray_dollars_do_not_open_bodies() {
        for sql in [
            "$",
            "SELECT $; SELECT 2",
            "SELECT $abc; SELECT 2",
            "SELECT 1 $",
        ] {
            for dialect in Dialect::ALL {
                split_statements(sql, dialect).unwrap();
            }
        }
        assert_eq!(
            split("SELECT $abc; SELECT 2", Dialect::Postgres),
            ["SELECT $abc", "SELECT 2"]
        );
        // `$` inside an identifier is part of it, not an opening quote.
        assert_eq!(
            split("SELECT a$b$c; SELECT 2", Dialect::Postgres),
            ["SELECT a$b$c", "SELECT 2"]
        );
        // Dollar quoting is Postgres-only.
        assert_eq!(
            split("SELECT $$; SELECT 2$$", Dialect::Sqlite),
            ["SELECT $$", "SELECT 2$$"]
        );
    }

    #[test]
    fn sqlite_trigger_body_with_two_statements_and_case() {
        let sql = "\
CREATE TABLE users (id INTEGER, status TEXT, begin_date TEXT, legend TEXT);
CREATE TRIGGER users_audit AFTER UPDATE ON users
BEGIN
    INSERT INTO log VALUES (NEW.id, CASE WHEN NEW.status = 'x' THEN 'end;' ELSE 'y' END);
    UPDATE users SET legend = 'begin', begin_date = date('now') WHERE id = NEW.id;
END;
CREATE INDEX users_status ON users (status);
";
        let statements = split_statements(sql, Dialect::Sqlite).unwrap();
        assert_eq!(statements.len(), 3, "{statements:#?}");
        assert!(statements[1].sql.starts_with("CREATE TRIGGER users_audit"));
        assert!(statements[1].sql.ends_with("WHERE id = NEW.id;\nEND"));
        assert_eq!(statements[1].line, 2);
        assert_eq!(
            statements[2].sql,
            "CREATE INDEX users_status ON users (status)"
        );
        assert_eq!(statements[2].line, 7);
    }

    #[test]
    fn sqlite_temp_trigger_after_comment_with_when_case() {
        let sql = "\
-- keep counts in sync
create temp trigger if not exists t after insert on a
when case when new.x then 1 else 0 end
begin
  update counts set n = n + 1;
  delete from pending where id = new.id;
end;
select 1;";
        let statements = split_statements(sql, Dialect::Sqlite).unwrap();
        assert_eq!(statements.len(), 2, "{statements:#?}");
        assert!(statements[0].sql.starts_with("-- keep counts"));
        assert!(statements[0].sql.ends_with("end"));
        assert_eq!(statements[0].line, 2);
        assert_eq!(statements[1].sql, "select 1");
    }

    #[test]
    fn keywords_inside_identifiers_do_not_count() {
        // No BEGIN word here, so the trigger header never opens a body and `;` splits.
        let sql = "CREATE TRIGGER t AFTER INSERT ON a FOR EACH ROW begin_x; SELECT legend, new.begin FROM t;";
        assert_eq!(
            split(sql, Dialect::Sqlite),
            [
                "CREATE TRIGGER t AFTER INSERT ON a FOR EACH ROW begin_x",
                "SELECT legend, new.begin FROM t"
            ]
        );
        let sql = "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT x.end, casez; END; SELECT 2;";
        assert_eq!(
            split(sql, Dialect::Sqlite),
            [
                "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT x.end, casez; END",
                "SELECT 2"
            ]
        );
    }

    #[test]
    fn sqlite_transactions_are_not_trigger_bodies() {
        let sql = "BEGIN;\nCREATE TABLE a (x);\nCOMMIT;\nCREATE TABLE trigger (begin);\nSELECT 1;";
        assert_eq!(
            split(sql, Dialect::Sqlite),
            [
                "BEGIN",
                "CREATE TABLE a (x)",
                "COMMIT",
                "CREATE TABLE trigger (begin)",
                "SELECT 1"
            ]
        );
    }

    #[test]
    fn mysql_delimiter_with_procedure() {
        let sql = "\
CREATE TABLE t (id INT);

DELIMITER $$
CREATE PROCEDURE add_one(IN x INT)
BEGIN
    INSERT INTO t VALUES (x);
    SELECT 'done;';
END$$
CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW
BEGIN
    SET NEW.id = NEW.id + 1;
END $$
delimiter ;

CALL add_one(1);
";
        let statements = split_statements(sql, Dialect::Mysql).unwrap();
        let texts: Vec<&str> = statements.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(
            texts,
            [
                "CREATE TABLE t (id INT)",
                "CREATE PROCEDURE add_one(IN x INT)\nBEGIN\n    INSERT INTO t VALUES (x);\n    SELECT 'done;';\nEND",
                "CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW\nBEGIN\n    SET NEW.id = NEW.id + 1;\nEND",
                "CALL add_one(1)",
            ]
        );
        let lines: Vec<usize> = statements.iter().map(|s| s.line).collect();
        assert_eq!(lines, [1, 4, 9, 15]);
    }

    #[test]
    fn mysql_delimiter_only_as_a_line_leading_command() {
        // A column named `delimiter` in the middle of a statement is not a command.
        let sql = "CREATE TABLE t (\n  id INT,\n  delimiter VARCHAR(4)\n);\nSELECT 1;";
        assert_eq!(
            split(sql, Dialect::Mysql),
            [
                "CREATE TABLE t (\n  id INT,\n  delimiter VARCHAR(4)\n)",
                "SELECT 1"
            ]
        );
        // Other dialects have no such client command.
        assert_eq!(
            split("DELIMITER //\nSELECT 1//", Dialect::Postgres),
            ["DELIMITER //\nSELECT 1//"]
        );
        // Without an argument it is left alone for the server to reject.
        assert_eq!(
            split("DELIMITER\n;SELECT 1", Dialect::Mysql),
            ["DELIMITER", "SELECT 1"]
        );
        assert_eq!(
            split(
                "  DeLiMiTeR //\r\nSELECT 1; SELECT 2//\r\nSELECT 3//",
                Dialect::Mysql
            ),
            ["SELECT 1; SELECT 2", "SELECT 3"]
        );
    }

    #[test]
    fn chinese_text_is_kept_intact() {
        let sql = "-- 用户表\nCREATE TABLE users (\n  name VARCHAR(20) COMMENT '用户名；名字'\n) COMMENT '用户表';\n/* 结束 */ SELECT '完成'";
        for dialect in Dialect::ALL {
            let statements = split_statements(sql, dialect).unwrap();
            assert_eq!(statements.len(), 2);
            assert_eq!(
                statements[0].sql,
                "-- 用户表\nCREATE TABLE users (\n  name VARCHAR(20) COMMENT '用户名；名字'\n) COMMENT '用户表'"
            );
            assert_eq!(statements[0].line, 2);
            assert_eq!(statements[1].sql, "/* 结束 */ SELECT '完成'");
            assert_eq!(statements[1].line, 5);
        }
    }

    #[test]
    fn crlf_and_bom_are_handled() {
        let sql = "\u{feff}CREATE TABLE a (x);\r\n\r\nSELECT 1;\r\n";
        for dialect in Dialect::ALL {
            let statements = split_statements(sql, dialect).unwrap();
            assert_eq!(statements[0].sql, "CREATE TABLE a (x)");
            assert_eq!(statements[1].sql, "SELECT 1");
            assert_eq!(lines(sql, dialect), [1, 3]);
        }
    }

    #[test]
    fn unterminated_string_reports_its_start_line() {
        let sql = "SELECT 1;\nSELECT 'oops;\n\nSELECT 2;";
        for dialect in Dialect::ALL {
            assert_eq!(error(sql, dialect), ("string literal".to_owned(), 2));
        }
        assert_eq!(
            error("SELECT 'a\\'", Dialect::Mysql),
            ("string literal".to_owned(), 1)
        );
        assert_eq!(
            error("SELECT\n\"a\\\"", Dialect::Mysql),
            ("string literal".to_owned(), 2)
        );
        assert_eq!(
            error("SELECT E'a\\'", Dialect::Postgres),
            ("string literal".to_owned(), 1)
        );
    }

    #[test]
    fn unterminated_quoted_identifier_reports_its_start_line() {
        assert_eq!(
            error("\n\nSELECT \"a;", Dialect::Postgres),
            ("quoted identifier".to_owned(), 3)
        );
        assert_eq!(
            error("SELECT 1;\n`a", Dialect::Mysql),
            ("quoted identifier".to_owned(), 2)
        );
        assert_eq!(
            error("SELECT [a", Dialect::Sqlite),
            ("quoted identifier".to_owned(), 1)
        );
    }

    #[test]
    fn unterminated_block_comment_reports_its_start_line() {
        for dialect in Dialect::ALL {
            assert_eq!(
                error("SELECT 1;\n/* never\nclosed", dialect),
                ("block comment".to_owned(), 2)
            );
            assert_eq!(error("/*/", dialect), ("block comment".to_owned(), 1));
        }
        assert_eq!(
            error("/* a /* b */\n still open", Dialect::Postgres),
            ("block comment".to_owned(), 1)
        );
    }

    #[test]
    fn unterminated_dollar_body_names_its_own_tag_and_start_line() {
        let sql = "SELECT 1;\nCREATE FUNCTION f() AS $fn$\nSELECT 1; $$\n";
        assert_eq!(
            error(sql, Dialect::Postgres),
            (
                "dollar-quoted body $fn$ (no closing $fn$ follows)".to_owned(),
                2
            )
        );
        assert_eq!(
            error("DO $$", Dialect::Postgres),
            (
                "dollar-quoted body $$ (no closing $$ follows)".to_owned(),
                1
            )
        );
        let err = split_statements("SELECT 1;\n\nDO $body$ BEGIN", Dialect::Postgres).unwrap_err();
        assert_eq!(
            err.at("migrations/a/001_x.up.sql"),
            "migrations/a/001_x.up.sql:3: unterminated dollar-quoted body $body$ (no closing $body$ follows)"
        );
        // A non-ASCII tag is printed whole.
        assert_eq!(
            error("DO $función$ SELECT 1", Dialect::Postgres).0,
            "dollar-quoted body $función$ (no closing $función$ follows)"
        );
    }

    #[test]
    fn postgres_begin_atomic_function_bodies_are_one_statement() {
        let sql = "\
CREATE OR REPLACE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
    SELECT CASE WHEN a IS NULL THEN 0 ELSE a END + b;
    SELECT 1;
END;
CREATE PROCEDURE p(begin int) LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (begin); END;
CREATE TABLE t (begin int, \"end\" int);
COMMIT;";
        let statements = split_statements(sql, Dialect::Postgres).unwrap();
        let texts: Vec<&str> = statements.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(texts.len(), 4, "{texts:#?}");
        assert!(texts[0].starts_with("CREATE OR REPLACE FUNCTION add"));
        assert!(texts[0].ends_with("SELECT 1;\nEND"));
        assert_eq!(
            texts[1],
            "CREATE PROCEDURE p(begin int) LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (begin); END"
        );
        assert_eq!(texts[3], "COMMIT");
        assert_eq!(lines(sql, Dialect::Postgres), [1, 6, 7, 8]);
        // Functions with a quoted body are untouched by the body heuristic.
        assert_eq!(
            split(
                "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql; COMMIT",
                Dialect::Postgres
            ),
            [
                "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql",
                "COMMIT"
            ]
        );
        assert_eq!(
            error(
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC SELECT 1;",
                Dialect::Postgres
            ),
            ("BEGIN ... END block".to_owned(), 2)
        );
    }

    #[test]
    fn unterminated_trigger_body_reports_its_begin_line() {
        let sql = "CREATE TRIGGER t AFTER INSERT ON a\nBEGIN\n  SELECT 1;\n  SELECT CASE WHEN 1 THEN 2 END;\n";
        assert_eq!(
            error(sql, Dialect::Sqlite),
            ("BEGIN ... END block".to_owned(), 2)
        );
    }

    #[test]
    fn error_message_names_line_and_construct() {
        let err = split_statements("SELECT 1;\n'x", Dialect::Sqlite).unwrap_err();
        assert_eq!(err.to_string(), "line 2: unterminated string literal");
    }

    #[test]
    fn large_input_is_split_in_linear_time() {
        let mut sql = String::new();
        for i in 0..50_000 {
            sql.push_str(&format!(
                "INSERT INTO t VALUES ({i}, 'row; {i}', \"x\"); -- c\n"
            ));
        }
        sql.push_str("SELECT '");
        sql.push_str(&"x".repeat(2_000_000));
        sql.push_str("';");
        for dialect in Dialect::ALL {
            let statements = split_statements(&sql, dialect).unwrap();
            assert_eq!(statements.len(), 50_001);
            assert_eq!(statements[49_999].line, 50_000);
            assert_eq!(statements[50_000].line, 50_001);
        }
    }

    #[test]
    fn arbitrary_input_never_panics() {
        const PIECES: &[&str] = &[
            ";",
            "'",
            "\"",
            "`",
            "[",
            "]",
            "$",
            "$$",
            "$a$",
            "$1",
            "--",
            "-",
            "#",
            "/*",
            "*/",
            "/",
            "*",
            "\\",
            "\n",
            "\r\n",
            " ",
            "E",
            "e'",
            "BEGIN",
            "END",
            "CASE",
            "CREATE",
            "TEMP",
            "TRIGGER",
            "DELIMITER",
            "DELIMITER $$\n",
            "DELIMITER ;\n",
            "用户",
            "表",
            "\u{feff}",
            "\u{3000}",
            "x",
            "1",
            ".",
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 24) as usize;
            let sql: String = (0..len)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect();
            for dialect in Dialect::ALL {
                if let Ok(statements) = split_statements(&sql, dialect) {
                    for statement in statements {
                        assert!(!statement.sql.is_empty());
                        assert!(
                            statement.line >= 1 && statement.line <= sql.lines().count().max(1)
                        );
                    }
                }
            }
        }
    }
}
