//! "Did you mean" and "these exist" for names an operator typed: the closest candidates,
//! never the whole list of a 50,000-database fleet.

/// How similar two names must be (Jaro-Winkler) to be offered as a correction.
const CLOSE_ENOUGH: f64 = 0.8;

/// The candidate closest to `typed`, if any is close enough to be a likely typo.
pub fn did_you_mean<'a, I>(candidates: I, typed: &str) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    candidates
        .into_iter()
        .map(|c| (c, strsim::jaro_winkler(c, typed)))
        .filter(|(c, score)| !c.is_empty() && *score > CLOSE_ENOUGH)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _)| c)
}

/// `a, b, c` when there are at most `limit` names; otherwise the `limit` closest to
/// `typed` (or the first `limit` when nothing was typed) and how many more there are.
pub fn list_some(names: &[String], typed: Option<&str>, limit: usize) -> String {
    if names.len() <= limit {
        return names.join(", ");
    }
    let mut shown: Vec<(f64, &str)> = names
        .iter()
        .map(|n| {
            (
                typed.map_or(0.0, |t| strsim::jaro_winkler(n, t)),
                n.as_str(),
            )
        })
        .collect();
    // Stable sort: equally close names keep the config's order.
    shown.sort_by(|a, b| b.0.total_cmp(&a.0));
    let head: Vec<&str> = shown.iter().take(limit).map(|(_, n)| *n).collect();
    format!(
        "{} and {} more (`dbfleet status --short` lists them)",
        head.join(", "),
        names.len() - limit
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_finds_its_name_and_a_stranger_finds_none() {
        let names = ["user_service", "order_service", "shared_service"];
        assert_eq!(did_you_mean(names, "user_servce"), Some("user_service"));
        assert_eq!(did_you_mean(names, "zzz"), None);
    }

    #[test]
    fn a_long_list_shows_the_closest_few_and_counts_the_rest() {
        let names: Vec<String> = (0..50_000).map(|i| format!("tenant_{i:05}")).collect();
        let listed = list_some(&names, Some("tenant_49999"), 5);
        assert!(listed.starts_with("tenant_49999, "), "{listed}");
        assert!(listed.ends_with("and 49995 more (`dbfleet status --short` lists them)"));
        assert!(listed.len() < 200, "{listed}");
        let short = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(list_some(&short, None, 5), "a, b");
    }
}
