//! `${VAR}` and `${VAR:-default}` in configuration values, as shells and docker-compose
//! write them. `$$` stands for a literal `$`.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpandError {
    Unset(String),
    Unterminated,
}

impl fmt::Display for ExpandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpandError::Unset(var) => write!(f, "environment variable {var} is not set"),
            ExpandError::Unterminated => f.write_str("`${` without a closing `}`"),
        }
    }
}

/// Expands variables through `lookup`, which the caller backs with the process
/// environment (tests pass a map).
pub fn expand(input: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, ExpandError> {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let end = body.find('}').ok_or(ExpandError::Unterminated)?;
            let inner = &body[..end];
            let (name, default) = match inner.split_once(":-") {
                Some((name, default)) => (name, Some(default)),
                None => (inner, None),
            };
            match (
                lookup(name).filter(|v| !v.is_empty() || default.is_none()),
                default,
            ) {
                (Some(value), _) => out.push_str(&value),
                (None, Some(default)) => out.push_str(default),
                (None, None) => return Err(ExpandError::Unset(name.to_owned())),
            }
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "SET" => Some("value".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn expands_set_default_and_literal_dollars() {
        assert_eq!(expand("a-${SET}-b", &env).unwrap(), "a-value-b");
        assert_eq!(expand("${UNSET:-fallback}", &env).unwrap(), "fallback");
        assert_eq!(expand("${SET:-fallback}", &env).unwrap(), "value");
        // As in sh, `:-` also replaces an empty value.
        assert_eq!(expand("${EMPTY:-fallback}", &env).unwrap(), "fallback");
        assert_eq!(expand("${EMPTY}", &env).unwrap(), "");
        assert_eq!(expand("p$$w$rd", &env).unwrap(), "p$w$rd");
    }

    #[test]
    fn reports_the_unset_variable_by_name() {
        assert_eq!(
            expand("${MICROSERVICE_DB_PASSWORD}", &env),
            Err(ExpandError::Unset("MICROSERVICE_DB_PASSWORD".into()))
        );
        assert_eq!(expand("${OOPS", &env), Err(ExpandError::Unterminated));
    }
}
