//! Fast text building for the exports: JSON strings, timestamps, one-line messages and
//! spreadsheet-safe cells, appended to one buffer per row (no per-cell allocation).

use rdpsleuth_parser::Timestamp;

use chrono::{Datelike, Timelike};

/// Characters that make a spreadsheet read a cell as a formula when they come first.
pub fn is_formula_start(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r')
}

/// Appends `s` as a JSON string (quotes, backslashes and control characters escaped),
/// prefixed with `'` inside the quotes when `guard` is set and `s` starts like a formula.
pub fn push_json_str(out: &mut String, s: &str, guard: bool) {
    out.push('"');
    if guard && s.chars().next().is_some_and(is_formula_start) {
        out.push('\'');
    }
    // Most values need no escape: found a block at a time.
    let Some(first) = first_to_escape(s.as_bytes()) else {
        out.push_str(s);
        out.push('"');
        return;
    };
    out.push_str(s.get(..first).unwrap_or(""));
    let mut start = first;
    for (i, b) in s.bytes().enumerate().skip(first) {
        let escape: Option<&str> = match b {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0x08 => Some("\\b"),
            0x0c => Some("\\f"),
            0x00..=0x1f => None,
            _ => continue,
        };
        out.push_str(s.get(start..i).unwrap_or(""));
        match escape {
            Some(e) => out.push_str(e),
            None => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0xf)]));
            }
        }
        start = i + 1;
    }
    out.push_str(s.get(start..).unwrap_or(""));
    out.push('"');
}

/// The index of the first byte a JSON string must escape: a quote, a backslash or a control
/// character.
fn first_to_escape(bytes: &[u8]) -> Option<usize> {
    const BLOCK: usize = 16;
    let special = |b: u8| b < 0x20 || b == b'"' || b == b'\\';
    let mut at = 0;
    for block in bytes.chunks(BLOCK) {
        // No early exit inside a block, so that the test is done on all its bytes at once.
        if block.iter().fold(false, |any, &b| any | special(b)) {
            return block.iter().position(|&b| special(b)).map(|i| at + i);
        }
        at += block.len();
    }
    None
}

fn push_padded(out: &mut String, value: u32, width: usize) {
    let mut digits = [0u8; 10];
    let mut v = value;
    let mut n = 0;
    loop {
        if let Some(slot) = digits.get_mut(n) {
            *slot = b'0' + (v % 10) as u8;
        }
        n += 1;
        v /= 10;
        if v == 0 || n == digits.len() {
            break;
        }
    }
    for _ in n..width {
        out.push('0');
    }
    for d in digits.iter().take(n).rev() {
        out.push(char::from(*d));
    }
}

/// Appends `YYYY-MM-DDTHH:MM:SS`, or returns false for years outside 0–9999.
fn push_date_time(out: &mut String, t: Timestamp) -> bool {
    let d = t.to_chrono();
    let Ok(year) = u32::try_from(d.year()) else {
        return false;
    };
    if year > 9999 {
        return false;
    }
    push_padded(out, year, 4);
    out.push('-');
    push_padded(out, d.month(), 2);
    out.push('-');
    push_padded(out, d.day(), 2);
    out.push('T');
    push_padded(out, d.hour(), 2);
    out.push(':');
    push_padded(out, d.minute(), 2);
    out.push(':');
    push_padded(out, d.second(), 2);
    true
}

/// Appends the time as [`Timestamp::to_rfc3339`] writes it (7 fractional digits, `Z`).
pub fn push_iso7(out: &mut String, t: Timestamp) {
    if !push_date_time(out, t) {
        out.push_str(&t.to_rfc3339());
        return;
    }
    out.push('.');
    let ticks = t.0.rem_euclid(Timestamp::TICKS_PER_SECOND);
    push_padded(out, u32::try_from(ticks).unwrap_or(0), 7);
    out.push('Z');
}

/// Appends ISO 8601 with microseconds and `+00:00` (Timesketch's `datetime`).
pub fn push_iso_micros(out: &mut String, t: Timestamp) {
    if !push_date_time(out, t) {
        out.push_str(
            &t.to_chrono()
                .format("%Y-%m-%dT%H:%M:%S%.6f+00:00")
                .to_string(),
        );
        return;
    }
    out.push('.');
    let micros = t.0.rem_euclid(Timestamp::TICKS_PER_SECOND) / 10;
    push_padded(out, u32::try_from(micros).unwrap_or(0), 6);
    out.push_str("+00:00");
}

/// A message being built on one line: control characters become spaces, at most `max`
/// characters are kept, and `…` marks a cut.
pub struct OneLine {
    out: String,
    chars: usize,
    max: usize,
    cut: bool,
}

impl OneLine {
    /// An empty line of at most `max` characters.
    pub fn new(max: usize) -> Self {
        OneLine {
            out: String::with_capacity(96),
            chars: 0,
            max,
            cut: false,
        }
    }

    /// True once the line is full.
    pub fn full(&self) -> bool {
        self.cut
    }

    /// Appends text.
    pub fn push(&mut self, s: &str) {
        for c in s.chars() {
            if self.chars >= self.max {
                self.cut = true;
                return;
            }
            self.out.push(if c.is_control() { ' ' } else { c });
            self.chars += 1;
        }
    }

    /// The line.
    pub fn finish(mut self) -> String {
        if self.cut {
            self.out.push('…');
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_match_serde() {
        for s in [
            "plain",
            "q\"uote",
            "back\\slash",
            "line\nbreak\r\t",
            "\u{1}\u{1f}x",
            "é→😀",
            "",
        ] {
            let mut out = String::new();
            push_json_str(&mut out, s, false);
            assert_eq!(out, serde_json::to_string(s).unwrap());
        }
        // Escapes at every place around the blocks the scan reads.
        for len in [15, 16, 17, 33] {
            for at in 0..len {
                for special in ['"', '\\', '\n', '\u{7}'] {
                    let mut s = format!("é{}", "x".repeat(len - 1));
                    s.insert(at.min(s.len() - 1).max(2), special);
                    let mut out = String::new();
                    push_json_str(&mut out, &s, false);
                    assert_eq!(out, serde_json::to_string(&s).unwrap(), "{s:?}");
                }
            }
        }
        let mut out = String::new();
        push_json_str(&mut out, "=1+1", true);
        assert_eq!(out, "\"'=1+1\"");
    }

    #[test]
    fn timestamps_match_the_parser() {
        for text in [
            "2020-11-13T11:09:07.0840538Z",
            "1601-01-01T00:00:00.0000000Z",
            "1970-01-01T00:00:00.0000001Z",
            "2024-12-31T23:59:59.9999999Z",
        ] {
            let t = Timestamp::parse(text).unwrap();
            let mut out = String::new();
            push_iso7(&mut out, t);
            assert_eq!(out, t.to_rfc3339());
            let mut micros = String::new();
            push_iso_micros(&mut micros, t);
            assert_eq!(
                micros,
                t.to_chrono()
                    .format("%Y-%m-%dT%H:%M:%S%.6f+00:00")
                    .to_string()
            );
        }
    }

    #[test]
    fn one_line_cuts_and_cleans() {
        let mut l = OneLine::new(5);
        l.push("ab\ncd");
        assert!(!l.full());
        assert_eq!(l.finish(), "ab cd");
        let mut l = OneLine::new(5);
        l.push("abcdef");
        assert!(l.full());
        assert_eq!(l.finish(), "abcde…");
    }
}
