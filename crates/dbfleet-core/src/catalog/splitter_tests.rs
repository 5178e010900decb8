//! The splitter's tests: every dialect's constructs that can hide a `;`, and the line each
//! statement is reported at. Kept beside splitter.rs so that file reads as the scanner alone.

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
    let sql =
        "CREATE TRIGGER t AFTER INSERT ON a FOR EACH ROW begin_x; SELECT legend, new.begin FROM t;";
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
                    assert!(statement.line >= 1 && statement.line <= sql.lines().count().max(1));
                }
            }
        }
    }
}
