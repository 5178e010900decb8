//! The splitter on arbitrary text, in every dialect: it never panics, and what it returns
//! are pieces of the input, in order, each on a line the input has.

#![no_main]

use dbfleet_core::catalog::split_statements;
use dbfleet_core::dialect::Dialect;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Migration files are read as UTF-8; anything else is refused before the splitter.
    let Ok(sql) = std::str::from_utf8(data) else {
        return;
    };
    let lines = sql.matches('\n').count() + 1;
    for dialect in Dialect::ALL {
        let Ok(statements) = split_statements(sql, dialect) else {
            continue;
        };
        // Leftmost matches: if the statements are pieces of the input in order, the
        // greedy search finds them.
        let mut pos = 0;
        for (i, statement) in statements.iter().enumerate() {
            assert!(
                !statement.sql.is_empty(),
                "{dialect:?}: statement {} is empty",
                i + 1
            );
            let Some(at) = sql[pos..].find(statement.sql.as_str()) else {
                panic!(
                    "{dialect:?}: statement {} is not a piece of the input after byte {pos}: {:?}",
                    i + 1,
                    statement.sql
                );
            };
            pos += at + statement.sql.len();
            assert!(
                (1..=lines).contains(&statement.line),
                "{dialect:?}: statement {} on line {} of {lines}",
                i + 1,
                statement.line
            );
        }
    }
});
