//! Where an entry's password comes from besides `password:` itself: a file
//! (`password_file:`, as Docker and Kubernetes secrets are mounted) or an environment
//! variable named outright (`password_env:`). Never from a command line, where any user of
//! the machine can read it. No error here holds the password.

use std::io::Read;
use std::path::Path;

/// Past any password; a bigger file is not one (a key file named by mistake).
const MAX_PASSWORD_FILE_BYTES: u64 = 64 * 1024;

/// The keys that give an entry's password; an entry (or the defaults) sets at most one.
pub(super) const PASSWORD_KEYS: &[&str] = &["password", "password_file", "password_env"];

/// The password in `file` (relative to `base_dir`): its first line, without the line
/// break that editors and `echo` add.
pub(super) fn read_password_file(file: &str, base_dir: &Path) -> Result<String, String> {
    let path = base_dir.join(file);
    let shown = path.display();
    let opened = std::fs::File::open(&path)
        .map_err(|e| format!("password_file: cannot read {shown}: {}", io_reason(&e)))?;
    let mut bytes = Vec::new();
    opened
        .take(MAX_PASSWORD_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("password_file: cannot read {shown}: {}", io_reason(&e)))?;
    if bytes.len() as u64 > MAX_PASSWORD_FILE_BYTES {
        return Err(format!(
            "password_file: {shown} is larger than {MAX_PASSWORD_FILE_BYTES} bytes: not a password"
        ));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("password_file: {shown} is not UTF-8 text"))?;
    let password = text.strip_suffix('\n').unwrap_or(&text);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if password.contains('\n') {
        return Err(format!(
            "password_file: {shown} holds more than one line; it must hold the password alone"
        ));
    }
    if password.is_empty() {
        return Err(format!("password_file: {shown} is empty"));
    }
    Ok(password.to_owned())
}

/// The password in the environment variable `name`.
pub(super) fn read_password_env(
    name: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    env(name).ok_or_else(|| format!("password_env: environment variable {name} is not set"))
}

/// The I/O error without its OS wording's noise; never the file's content.
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => e.to_string(),
    }
}
