//! Names a file of the output may not have, on any system that reads it, and the one name
//! that marks a folder as a build's output.

/// The marker file every build writes into its output: a folder that holds it is one
/// secbook wrote, and the next build may replace it whole.
pub const OUTPUT_MARKER: &str = ".secbook-output";

/// Whether a path segment is a device name on Windows (`CON`, `nul.txt`, `Com1.html`):
/// such a file cannot be written or copied there, and may open the device instead. The
/// output is read from disk on every system, so these names are refused everywhere.
pub fn is_reserved_name(segment: &str) -> bool {
    let stem = segment.split('.').next().unwrap_or(segment).trim_end();
    let upper = stem.to_ascii_uppercase();
    match upper.as_bytes() {
        b"CON" | b"PRN" | b"AUX" | b"NUL" => true,
        [b'C', b'O', b'M', d] | [b'L', b'P', b'T', d] => d.is_ascii_digit(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_names_are_devices_with_any_extension() {
        for name in [
            "CON",
            "con",
            "Nul.txt",
            "aux.",
            "COM1",
            "lpt9.html",
            "prn.a.b",
        ] {
            assert!(is_reserved_name(name), "{name}");
        }
        for name in ["console", "icon", "COM", "COM10", "nul-1", "x.con", "lpt"] {
            assert!(!is_reserved_name(name), "{name}");
        }
    }
}
