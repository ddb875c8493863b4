//! The texts a scenario gives that become names and labels elsewhere: its name (the output
//! folder's, and a fleet's group names), and the currency that labels columns and axes. Checked
//! here once for the scenario, a fleet and a sweep's record alike.

/// The longest name: "<name>-compare", the longest folder named after it, must still fit in a
/// file name (255 bytes on every common file system).
pub const MAX_NAME_BYTES: usize = 255 - "-compare".len();

/// A name as an error echoes it: quoted, and only its start when it is long (a name of a
/// million bytes filled a whole screen).
pub fn shown_name(name: &str) -> String {
    const SHOWN: usize = 40;
    if name.chars().count() <= SHOWN + 20 {
        return format!("{name:?}");
    }
    let start: String = name.chars().take(SHOWN).collect();
    format!("{start:?}… ({} bytes)", name.len())
}

/// Whether `name` works as a folder name on Linux, macOS and Windows alike, so that the output
/// of a run can be copied anywhere; the problem in words when not.
pub fn portable_name(name: &str) -> Result<(), String> {
    const RESERVED: &[char] = &['/', '\\', ':', '*', '?', '"', '<', '>', '|'];
    const DEVICES: &[&str] = &["CON", "PRN", "AUX", "NUL"];
    if name.len() > MAX_NAME_BYTES {
        return Err(format!(
            "must be at most {MAX_NAME_BYTES} bytes long (it is {})",
            name.len()
        ));
    }
    if name.is_empty() || name.trim() != name {
        return Err("must not be empty or start or end with a space".to_string());
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(format!("cannot contain control characters such as {:?}", c));
    }
    if let Some(c) = name.chars().find(|c| RESERVED.contains(c)) {
        return Err(format!(
            "cannot contain any of / \\ : * ? \" < > | (found '{c}')"
        ));
    }
    if name == "." || name == ".." || name.ends_with('.') {
        return Err("cannot be \".\" or \"..\" or end with a dot".to_string());
    }
    let stem = name.split('.').next().unwrap_or(name).to_ascii_uppercase();
    let numbered = |prefix: &str| {
        stem.strip_prefix(prefix)
            .is_some_and(|d| d.len() == 1 && d.as_bytes()[0].is_ascii_digit() && d != "0")
    };
    if DEVICES.contains(&stem.as_str()) || numbered("COM") || numbered("LPT") {
        return Err(format!("cannot be {stem}, a device name on Windows"));
    }
    Ok(())
}

/// The longest currency: a code ("USD") or a sign ("€"), with room to spare.
pub const MAX_CURRENCY_BYTES: usize = 32;

/// Whether `currency` can label a table column and a chart axis: a short line of text.
pub fn currency_text(currency: &str) -> Result<(), String> {
    if currency.trim().is_empty() {
        return Err("must not be empty, e.g. \"USD\"".to_string());
    }
    if currency.len() > MAX_CURRENCY_BYTES || currency.chars().any(char::is_control) {
        return Err(format!(
            "must be a short label (at most {MAX_CURRENCY_BYTES} bytes, no control characters) such as \"USD\", got {currency:?}"
        ));
    }
    Ok(())
}
