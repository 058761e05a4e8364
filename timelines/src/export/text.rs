//! Fast text building for the exports: JSON strings, timestamps, one-line messages and
//! spreadsheet-safe cells, appended to one buffer per row (no per-cell allocation).

use rdpsleuth_parser::Timestamp;

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
    first_of(bytes, |b| (b < 0x20) | (b == b'"') | (b == b'\\'))
}

/// The index of the first byte of `bytes` that is `special`, tested 16 bytes at a time.
pub(crate) fn first_of(bytes: &[u8], special: impl Fn(u8) -> bool) -> Option<usize> {
    const BLOCK: usize = 16;
    let blocks = bytes.chunks_exact(BLOCK);
    let tail = blocks.remainder();
    for (n, block) in blocks.enumerate() {
        // Fixed-size blocks without an early exit: the test runs on all 16 bytes at once.
        let Ok(block) = <&[u8; BLOCK]>::try_from(block) else {
            break;
        };
        if block.iter().fold(0u8, |any, &b| any | u8::from(special(b))) != 0 {
            return block
                .iter()
                .position(|&b| special(b))
                .map(|i| n * BLOCK + i);
        }
    }
    // The last bytes as a block too, filled up with a byte no test takes for special.
    debug_assert!(!special(FILLER));
    let mut last = [FILLER; BLOCK];
    last.get_mut(..tail.len())?.copy_from_slice(tail);
    if last.iter().fold(0u8, |any, &b| any | u8::from(special(b))) == 0 {
        return None;
    }
    let at = bytes.len() - tail.len();
    tail.iter().position(|&b| special(b)).map(|i| at + i)
}

/// What [`first_of`] fills its last block with: a letter, special to none of its callers.
const FILLER: u8 = b'a';

/// Writes `value` in decimal over `slot`, zero-padded to its length (higher digits dropped).
fn put_digits(slot: &mut [u8], mut value: u32) {
    for d in slot.iter_mut().rev() {
        *d = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard Hinnant's
/// `civil_from_days`): year, month 1–12, day 1–31.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // 0..=146_096
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365; // 0..=399
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // 0..=365
    let mp = (5 * doy + 2) / 153; // 0..=11, March first
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Writes `YYYY-MM-DDTHH:MM:SS.` and `digits` fractional digits over the start of `text`
/// (which holds the separators and what follows), or returns false for years outside
/// 0–9999.
fn put_date_time(text: &mut [u8], t: Timestamp, digits: u32) -> bool {
    let secs = t.0.div_euclid(Timestamp::TICKS_PER_SECOND);
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let Ok(year) = u32::try_from(year) else {
        return false;
    };
    if year > 9999 {
        return false;
    }
    let of_day = secs.rem_euclid(86_400) as u32;
    // Ticks are 100 ns: seven digits, of which the first `digits` are written.
    let ticks = t.0.rem_euclid(Timestamp::TICKS_PER_SECOND) as u32;
    let fraction = ticks / 10u32.pow(7u32.saturating_sub(digits));
    let mut put = |range: std::ops::Range<usize>, value: u32| {
        if let Some(slot) = text.get_mut(range) {
            put_digits(slot, value);
        }
    };
    put(0..4, year);
    put(5..7, month);
    put(8..10, day);
    put(11..13, of_day / 3_600);
    put(14..16, of_day / 60 % 60);
    put(17..19, of_day % 60);
    put(20..20 + digits.min(7) as usize, fraction);
    true
}

/// Appends the time as [`Timestamp::to_rfc3339`] writes it (7 fractional digits, `Z`).
pub fn push_iso7(out: &mut String, t: Timestamp) {
    let mut text = *b"0000-00-00T00:00:00.0000000Z";
    if put_date_time(&mut text, t, 7) {
        out.push_str(std::str::from_utf8(&text).unwrap_or_default());
    } else {
        out.push_str(&t.to_rfc3339());
    }
}

/// Appends ISO 8601 with microseconds and `+00:00` (Timesketch's `datetime`).
pub fn push_iso_micros(out: &mut String, t: Timestamp) {
    let mut text = *b"0000-00-00T00:00:00.000000+00:00";
    if put_date_time(&mut text, t, 6) {
        out.push_str(std::str::from_utf8(&text).unwrap_or_default());
    } else {
        let chrono = t.to_chrono().format("%Y-%m-%dT%H:%M:%S%.6f+00:00");
        out.push_str(&chrono.to_string());
    }
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
    fn first_of_finds_the_first_special_byte_wherever_it_is() {
        let special = |b: u8| (b < 0x20) | (b == b'"');
        // Every length around the 16-byte blocks, with the special byte at every place (and
        // a second one after it), and none at all.
        for len in 0..50 {
            assert_eq!(first_of(&vec![b'x'; len], special), None, "{len}");
            for at in 0..len {
                let mut bytes = vec![b'x'; len];
                bytes[at] = b'"';
                if at + 3 < len {
                    bytes[at + 3] = b'\n';
                }
                assert_eq!(first_of(&bytes, special), Some(at), "{len} {at}");
            }
        }
        assert_eq!(first_of(b"0123456789abcdefxy\"", special), Some(18));
        assert_eq!(first_of(b"xyz", |b| b == b'z'), Some(2));
    }

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
            "2000-02-29T12:34:56.5000000Z",
            "2100-03-01T00:00:00.0000000Z",
            "1969-12-31T23:59:59.9999999Z",
            "1900-02-28T23:00:00.0000000Z",
            "9999-12-31T23:59:59.9999999Z",
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
    fn dates_match_chrono_on_every_day_of_four_centuries() {
        // From 1600-01-01 on, a day at a time, with a time of day that moves too.
        let first = -11_676_096_000i64;
        for day in 0..146_097i64 {
            let secs = first + day * 86_400 + (day * 7_919) % 86_400;
            let t = Timestamp(secs * Timestamp::TICKS_PER_SECOND + day % 10_000_000);
            let mut out = String::new();
            push_iso7(&mut out, t);
            assert_eq!(out, t.to_rfc3339());
            let mut out = String::new();
            push_iso_micros(&mut out, t);
            let chrono = t.to_chrono().format("%Y-%m-%dT%H:%M:%S%.6f+00:00");
            assert_eq!(out, chrono.to_string());
        }
        // Out of four digits: chrono writes them.
        for far in [Timestamp(i64::MAX), Timestamp(i64::MIN)] {
            assert!(!put_date_time(&mut [0; 27], far, 7));
            let mut out = String::new();
            push_iso7(&mut out, far);
            assert_eq!(out, far.to_rfc3339());
            let mut micros = String::new();
            push_iso_micros(&mut micros, far);
            assert!(!micros.is_empty());
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
