//! The config loader on arbitrary text: a config or an error, never a panic (the YAML
//! parser, the excerpt drawn under a YAML error, `${VAR}` expansion, entry checks).

#![no_main]

use std::path::Path;

use dbfleet_core::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let env = |name: &str| (name == "DB_PASSWORD").then(|| "fuzz-secret".to_owned());
    if let Err(e) = Config::parse(Path::new("config.yaml"), text, &env) {
        assert!(!e.to_string().trim().is_empty(), "an error without words");
    }
});
