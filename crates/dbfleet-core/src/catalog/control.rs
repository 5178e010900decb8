//! Statements that control the transaction: dbfleet runs each migration in one transaction
//! of its own together with its bookkeeping row (or, where DDL cannot roll back or the file
//! says `-- dbfleet:no-transaction`, records its progress statement by statement), so a
//! migration file that begins, commits or rolls back a transaction itself breaks what the
//! bookkeeping says about it.
//!
//! The splitter has already cut the file into statements (a PL/pgSQL `BEGIN` inside `$$`, a
//! trigger's `BEGIN ... END`, a Postgres `BEGIN ATOMIC` body and a Mysql `DELIMITER` block
//! each stay inside their `CREATE` statement), so only the first words of a whole statement
//! decide: `COMMIT` as a column name or `END` closing a `CASE` never comes first.

use crate::dialect::Dialect;

/// A statement that opens, ends or rolls back a transaction or a savepoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionControl {
    /// The leading words as the file spells them, upper-cased: `COMMIT`, `START TRANSACTION`.
    pub keywords: String,
    /// What it does: "commits the transaction".
    pub effect: &'static str,
}

impl TransactionControl {
    /// `BEGIN`, `START TRANSACTION`.
    pub fn opens(&self) -> bool {
        self.effect == OPENS
    }

    /// `COMMIT`, `END`.
    pub fn commits(&self) -> bool {
        self.effect == COMMITS
    }
}

const OPENS: &str = "opens a transaction";
const COMMITS: &str = "commits the transaction";
const ROLLS_BACK: &str = "rolls back the transaction";
const SAVEPOINT: &str = "sets a savepoint";
const RELEASE: &str = "releases a savepoint (on SQLite, the outermost one commits)";
const ROLLBACK_TO: &str = "rolls back to a savepoint";
const PREPARE: &str = "prepares the transaction for a two-phase commit, which ends it";
const PREPARED: &str = "finishes a prepared (two-phase) transaction";
const XA: &str = "controls an XA transaction";
const AUTOCOMMIT: &str = "switches autocommit, which commits or holds what follows";

/// Whether `sql`, one statement as the splitter yields it, is transaction control in
/// `dialect`.
pub fn transaction_control(sql: &str, dialect: Dialect) -> Option<TransactionControl> {
    let tokens = Tokens::new(sql, dialect);
    let words: Vec<String> = tokens.clone().take(3).collect();
    let word = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    let found = |n: usize, effect: &'static str| {
        Some(TransactionControl {
            keywords: words[..n.min(words.len())].join(" "),
            effect,
        })
    };
    let postgres = dialect == Dialect::Postgres;
    let mysql = dialect == Dialect::Mysql;
    // `ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name`
    let rollback_to =
        word(1) == "TO" || (matches!(word(1), "WORK" | "TRANSACTION") && word(2) == "TO");
    match word(0) {
        // MariaDB's anonymous block `BEGIN NOT ATOMIC ... END` is a compound statement.
        "BEGIN" if mysql && word(1) == "NOT" => None,
        "BEGIN" => found(1, OPENS),
        "START" if word(1) == "TRANSACTION" => found(2, OPENS),
        "COMMIT" | "ROLLBACK" if postgres && word(1) == "PREPARED" => found(2, PREPARED),
        "COMMIT" => found(1, COMMITS),
        // Mysql has no `END` statement; elsewhere it is COMMIT.
        "END" if !mysql => found(1, COMMITS),
        "ROLLBACK" if rollback_to => found(1, ROLLBACK_TO),
        "ROLLBACK" => found(1, ROLLS_BACK),
        "ABORT" if postgres => found(1, ROLLS_BACK),
        "SAVEPOINT" => found(1, SAVEPOINT),
        "RELEASE" => found(1, RELEASE),
        "PREPARE" if postgres && word(1) == "TRANSACTION" => found(2, PREPARE),
        "XA" if mysql => found(2, XA),
        "SET" if mysql && tokens.sets_autocommit() => Some(TransactionControl {
            keywords: "SET autocommit".to_owned(),
            effect: AUTOCOMMIT,
        }),
        _ => None,
    }
}

/// The first `n` words of a statement, upper-cased, with comments, quoted text and
/// punctuation stepped over (`REINDEX (VERBOSE) INDEX CONCURRENTLY` gives all four).
pub(super) fn leading_words(sql: &str, dialect: Dialect, n: usize) -> Vec<String> {
    let mut tokens = Tokens::new(sql, dialect);
    let mut words = Vec::with_capacity(n);
    while words.len() < n {
        match tokens.next_token() {
            Some(Token::Word(word)) => words.push(word),
            Some(Token::Punct(_) | Token::Quoted(_)) => {}
            None => break,
        }
    }
    words
}

/// Every token of a statement, for the lint's rules: words upper-cased, a quoted
/// identifier (`"orders"`, `` `orders` ``) as its text upper-cased, a string literal as `'`,
/// and punctuation as its one character; comments left out.
pub fn statement_tokens(sql: &str, dialect: Dialect) -> Vec<String> {
    let mut tokens = Tokens::new(sql, dialect);
    let mut out = Vec::new();
    while let Some(token) = tokens.next_token() {
        match token {
            Token::Word(word) => out.push(word),
            Token::Punct(byte) => out.push(char::from(byte).to_string()),
            Token::Quoted(start) => {
                let text = sql.get(start..tokens.pos).unwrap_or_default();
                let identifier = match text.as_bytes().first() {
                    Some(b'`') => true,
                    Some(b'"') => dialect != Dialect::Mysql,
                    _ => false,
                };
                match text.get(1..text.len().saturating_sub(1)) {
                    Some(inner) if identifier => out.push(inner.to_ascii_uppercase()),
                    _ => out.push("'".to_owned()),
                }
            }
        }
    }
    out
}

/// The words of a statement, upper-cased, with comments, quoted text and punctuation left
/// out; `sets_autocommit` looks at punctuation too.
#[derive(Clone)]
struct Tokens<'a> {
    bytes: &'a [u8],
    pos: usize,
    dialect: Dialect,
}

enum Token {
    Word(String),
    Punct(u8),
    /// Where its opening quote is.
    Quoted(usize),
}

impl<'a> Tokens<'a> {
    fn new(sql: &'a str, dialect: Dialect) -> Self {
        Tokens {
            bytes: sql.as_bytes(),
            pos: 0,
            dialect,
        }
    }

    fn next_token(&mut self) -> Option<Token> {
        let bytes = self.bytes;
        loop {
            let byte = *bytes.get(self.pos)?;
            let next = bytes.get(self.pos + 1).copied();
            match byte {
                _ if byte.is_ascii_whitespace() => self.pos += 1,
                // Mysql wants a blank after `--`, as the splitter does.
                b'-' if next == Some(b'-')
                    && (self.dialect != Dialect::Mysql
                        || bytes.get(self.pos + 2).is_none_or(|&b| b <= b' ')) =>
                {
                    self.skip_past(b"\n")
                }
                b'#' if self.dialect == Dialect::Mysql => self.skip_past(b"\n"),
                b'/' if next == Some(b'*') => {
                    self.pos += 2;
                    self.skip_past(b"*/");
                }
                b'\'' | b'"' | b'`' => {
                    let start = self.pos;
                    self.pos += 1;
                    self.skip_past(&[byte]);
                    return Some(Token::Quoted(start));
                }
                _ if byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80 => {
                    let start = self.pos;
                    while bytes
                        .get(self.pos)
                        .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80)
                    {
                        self.pos += 1;
                    }
                    let word = String::from_utf8_lossy(&bytes[start..self.pos]);
                    return Some(Token::Word(word.to_ascii_uppercase()));
                }
                _ => {
                    self.pos += 1;
                    return Some(Token::Punct(byte));
                }
            }
        }
    }

    /// Moves past the next `end` (or to the end of the text). Quotes and comments have been
    /// checked by the splitter already: this only has to step over them.
    fn skip_past(&mut self, end: &[u8]) {
        let rest = &self.bytes[self.pos.min(self.bytes.len())..];
        self.pos = match rest.windows(end.len()).position(|w| w == end) {
            Some(offset) => self.pos + offset + end.len(),
            None => self.bytes.len(),
        };
    }

    /// Mysql: `SET [SESSION | LOCAL | @@…] autocommit = …`, anywhere in the SET list.
    fn sets_autocommit(mut self) -> bool {
        let mut previous_was_autocommit = false;
        while let Some(token) = self.next_token() {
            match token {
                Token::Punct(b'=' | b':') if previous_was_autocommit => return true,
                Token::Word(word) => previous_was_autocommit = word == "AUTOCOMMIT",
                _ => previous_was_autocommit = false,
            }
        }
        false
    }
}

impl Iterator for Tokens<'_> {
    type Item = String;

    /// The next word; anything else ends the words a statement starts with.
    fn next(&mut self) -> Option<String> {
        match self.next_token()? {
            Token::Word(word) => Some(word),
            Token::Punct(_) | Token::Quoted(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::split_statements;

    /// `(line, keywords)` of every transaction-control statement of `sql` in `dialect`.
    fn controls(sql: &str, dialect: Dialect) -> Vec<(usize, String)> {
        split_statements(sql, dialect)
            .unwrap()
            .iter()
            .filter_map(|s| transaction_control(&s.sql, dialect).map(|c| (s.line, c.keywords)))
            .collect()
    }

    fn found(pairs: &[(usize, &str)]) -> Vec<(usize, String)> {
        pairs.iter().map(|(l, k)| (*l, (*k).to_owned())).collect()
    }

    #[test]
    fn transaction_statements_are_found_in_every_dialect() {
        let sql = "-- a note\nbegin;\nCREATE TABLE a (x INT);\n/* done */ Commit;\nCREATE TABLE b (x INT);\nROLLBACK;\nSAVEPOINT s;\nRELEASE SAVEPOINT s;\nROLLBACK TO SAVEPOINT s;\nSTART TRANSACTION;";
        let expected = found(&[
            (2, "BEGIN"),
            (4, "COMMIT"),
            (6, "ROLLBACK"),
            (7, "SAVEPOINT"),
            (8, "RELEASE"),
            (9, "ROLLBACK"),
            (10, "START TRANSACTION"),
        ]);
        for dialect in Dialect::ALL {
            assert_eq!(controls(sql, dialect), expected, "{dialect}");
        }
        for (sql, dialect, effect) in [
            ("ROLLBACK WORK TO s", Dialect::Mysql, ROLLBACK_TO),
            ("rollback transaction", Dialect::Sqlite, ROLLS_BACK),
            ("BEGIN IMMEDIATE", Dialect::Sqlite, OPENS),
            ("END TRANSACTION", Dialect::Sqlite, COMMITS),
            ("END", Dialect::Postgres, COMMITS),
            ("ABORT", Dialect::Postgres, ROLLS_BACK),
            ("PREPARE TRANSACTION 'x'", Dialect::Postgres, PREPARE),
            ("COMMIT PREPARED 'x'", Dialect::Postgres, PREPARED),
            ("XA START 'x'", Dialect::Mysql, XA),
            ("BEGIN WORK", Dialect::Mysql, OPENS),
            ("SET autocommit = 0", Dialect::Mysql, AUTOCOMMIT),
            ("SET SESSION autocommit=1", Dialect::Mysql, AUTOCOMMIT),
            ("set @@session.autocommit := 0", Dialect::Mysql, AUTOCOMMIT),
            (
                "SET foreign_key_checks = 0, AUTOCOMMIT = 0",
                Dialect::Mysql,
                AUTOCOMMIT,
            ),
        ] {
            let found = transaction_control(sql, dialect).map(|c| c.effect);
            assert_eq!(found, Some(effect), "{sql} on {dialect}");
        }
    }

    #[test]
    fn bodies_identifiers_and_case_are_not_transaction_control() {
        let postgres = "\
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  COMMIT;
  RETURN NEW;
END;
$$;
DO $body$ BEGIN PERFORM 1; END $body$;
CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; END;
CREATE TABLE \"commit\" (id INT, \"end\" INT);
SELECT CASE WHEN 1 = 1 THEN 'commit' END AS rollback;
PREPARE q AS SELECT 1;
INSERT INTO commits VALUES (1);";
        assert_eq!(controls(postgres, Dialect::Postgres), []);
        let sqlite = "\
CREATE TRIGGER t AFTER INSERT ON a
BEGIN
  UPDATE b SET n = CASE WHEN new.x THEN 1 ELSE 0 END;
END;
CREATE TABLE commit_log (begin TEXT, [end] TEXT);
SELECT x.commit FROM x;";
        assert_eq!(controls(sqlite, Dialect::Sqlite), []);
        let mysql = "\
DELIMITER $$
CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW
BEGIN
  SET NEW.x = 1;
END$$
BEGIN NOT ATOMIC
  SELECT 1;
END$$
DELIMITER ;
SET @mode = 'autocommit';
SET sql_mode = '';
END;
CREATE TABLE `commit` (`begin` INT);";
        assert_eq!(controls(mysql, Dialect::Mysql), []);
    }
}
