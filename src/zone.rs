//! Display time zones and the user's time arguments: `--tz`, `--since`/`--until`,
//! `--firewall-utc-offset`. Data stays UTC; only what is shown to a person moves.

use std::fmt;

use anyhow::{Context, Result, anyhow, bail};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use rdpsleuth_parser::Timestamp;

/// The zone times are displayed in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DisplayZone {
    /// UTC (the default).
    Utc,
    /// A fixed offset.
    Fixed(FixedOffset),
    /// An IANA zone.
    Named(chrono_tz::Tz),
}

impl DisplayZone {
    /// Parses `UTC`, `±HH:MM` or an IANA name such as `Europe/Berlin`.
    pub fn parse(text: &str) -> Result<Self> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("utc") || t.eq_ignore_ascii_case("z") {
            return Ok(DisplayZone::Utc);
        }
        if let Some(minutes) = parse_offset_minutes(t) {
            let offset = FixedOffset::east_opt(minutes * 60)
                .ok_or_else(|| anyhow!("offset out of range: {t}"))?;
            return Ok(DisplayZone::Fixed(offset));
        }
        t.parse::<chrono_tz::Tz>()
            .map(DisplayZone::Named)
            .map_err(|_| {
                anyhow!(
                    "unknown time zone {t:?} (use an IANA name such as Europe/Berlin, or ±HH:MM)"
                )
            })
    }

    /// Formats a time for people: `2024-03-01 09:14:05.123 +01:00`.
    pub fn format(self, t: Timestamp) -> String {
        let utc = t.to_chrono();
        match self {
            DisplayZone::Utc => utc.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string(),
            DisplayZone::Fixed(o) => utc
                .with_timezone(&o)
                .format("%Y-%m-%d %H:%M:%S%.3f %:z")
                .to_string(),
            DisplayZone::Named(z) => utc
                .with_timezone(&z)
                .format("%Y-%m-%d %H:%M:%S%.3f %Z")
                .to_string(),
        }
    }

    /// Reads a local date-time of this zone as UTC.
    fn to_utc(self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        match self {
            DisplayZone::Utc => Some(local.and_utc()),
            DisplayZone::Fixed(o) => o
                .from_local_datetime(&local)
                .single()
                .map(|t| t.with_timezone(&Utc)),
            DisplayZone::Named(z) => z
                .from_local_datetime(&local)
                .earliest()
                .map(|t| t.with_timezone(&Utc)),
        }
    }
}

impl fmt::Display for DisplayZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DisplayZone::Utc => f.write_str("UTC"),
            DisplayZone::Fixed(o) => write!(f, "{o}"),
            DisplayZone::Named(z) => write!(f, "{}", z.name()),
        }
    }
}

/// `+01:00`, `-0530`, `+2` → minutes east of UTC.
pub fn parse_offset_minutes(text: &str) -> Option<i32> {
    let t = text.trim();
    let t = t
        .strip_prefix("UTC")
        .or_else(|| t.strip_prefix("utc"))
        .unwrap_or(t);
    let (sign, rest) = match t.chars().next()? {
        '+' => (1, &t[1..]),
        '-' => (-1, &t[1..]),
        _ => return None,
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => rest.split_at(2),
        None => (rest, "0"),
    };
    let h: i32 = h.parse().ok()?;
    let m: i32 = m.parse().ok()?;
    (h <= 14 && m < 60).then_some(sign * (h * 60 + m))
}

/// Parses `--since`/`--until`: RFC 3339 (with its own offset), or a date / date-time without a
/// zone, read in the display zone.
pub fn parse_time(text: &str, zone: DisplayZone) -> Result<Timestamp> {
    let t = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(Timestamp::from_chrono(dt.with_timezone(&Utc)));
    }
    let local = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    })
    .with_context(|| {
        format!(
            "cannot read the time {t:?} (use 2024-03-01T09:00:00Z, or 2024-03-01 09:00 in --tz)"
        )
    })?;
    let utc = zone
        .to_utc(local)
        .with_context(|| format!("{t:?} does not exist in {zone}"))?;
    Ok(Timestamp::from_chrono(utc))
}

/// Parses `HOST=±HH:MM`.
pub fn parse_host_offset(text: &str) -> Result<(String, i32)> {
    let Some((host, offset)) = text.split_once('=') else {
        bail!("expected HOST=±HH:MM, got {text:?}");
    };
    let host = host.trim();
    if host.is_empty() {
        bail!("expected HOST=±HH:MM, got {text:?}");
    }
    let minutes = parse_offset_minutes(offset)
        .with_context(|| format!("bad UTC offset in {text:?} (use ±HH:MM)"))?;
    Ok((host.to_string(), minutes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_and_offsets() {
        assert_eq!(DisplayZone::parse("utc").unwrap(), DisplayZone::Utc);
        assert!(matches!(
            DisplayZone::parse("+02:00").unwrap(),
            DisplayZone::Fixed(_)
        ));
        assert!(matches!(
            DisplayZone::parse("Europe/Berlin").unwrap(),
            DisplayZone::Named(_)
        ));
        assert!(DisplayZone::parse("Mars/Olympus").is_err());
        assert_eq!(parse_offset_minutes("+01:00"), Some(60));
        assert_eq!(parse_offset_minutes("-0530"), Some(-330));
        assert_eq!(parse_offset_minutes("+2"), Some(120));
        assert_eq!(parse_offset_minutes("1:00"), None);
        assert_eq!(
            parse_host_offset("SRV01=+01:00").unwrap(),
            ("SRV01".to_string(), 60)
        );
        assert!(parse_host_offset("=+01:00").is_err());
        assert!(parse_host_offset("SRV01").is_err());
    }

    #[test]
    fn times_in_the_display_zone() {
        let berlin = DisplayZone::parse("Europe/Berlin").unwrap();
        let t = parse_time("2024-03-01 10:00", berlin).unwrap();
        assert_eq!(t.to_rfc3339(), "2024-03-01T09:00:00.0000000Z");
        let t = parse_time("2024-03-01T10:00:00+02:00", berlin).unwrap();
        assert_eq!(t.to_rfc3339(), "2024-03-01T08:00:00.0000000Z");
        let t = parse_time("2024-03-01", DisplayZone::Utc).unwrap();
        assert_eq!(t.to_rfc3339(), "2024-03-01T00:00:00.0000000Z");
        assert!(parse_time("yesterday", DisplayZone::Utc).is_err());
        assert_eq!(berlin.format(t), "2024-03-01 01:00:00.000 CET");
    }
}
