//! The display zone as a table the page can read without a time-zone database: spans of
//! constant UTC offset with their abbreviation, exact for every time the report shows.
//!
//! For a named zone, the offset is sampled at the start and end of every UTC day that holds a
//! time the report shows; where two neighbouring samples differ, the change is found to the
//! second by bisection. Times between samples on days the report never shows cannot differ in
//! what is displayed, so the table stays small (one span per change of offset in the data).

use chrono::{DateTime, Offset, TimeZone, Utc};
use serde::Serialize;

use crate::zone::DisplayZone;

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;
/// Most days sampled; beyond that only every n-th day is (damaged logs can span centuries).
const MAX_DAYS: usize = 20_000;

/// The zone and its offsets.
#[derive(Debug, Serialize)]
pub struct ZoneJson {
    /// As given to `--tz` (`UTC`, `+05:30`, `Europe/Berlin`).
    pub name: String,
    /// `[from_ms, offset_minutes, abbreviation]`, ordered; the first span has no start
    /// (`null`) and reaches back to the beginning of time.
    pub spans: Vec<(Option<i64>, i32, String)>,
}

/// Offset (minutes east of UTC) and abbreviation of a zone at a UTC instant.
fn offset_at(zone: DisplayZone, at_ms: i64) -> (i32, String) {
    let utc: DateTime<Utc> = Utc
        .timestamp_millis_opt(at_ms)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    match zone {
        DisplayZone::Utc => (0, "UTC".to_string()),
        DisplayZone::Fixed(o) => (o.local_minus_utc() / 60, o.to_string()),
        DisplayZone::Named(z) => {
            let local = utc.with_timezone(&z);
            (
                local.offset().fix().local_minus_utc() / 60,
                local.format("%Z").to_string(),
            )
        }
    }
}

/// The zone's table for the times shown (milliseconds since the epoch, UTC).
pub fn zone_json(zone: DisplayZone, times: &[f64]) -> ZoneJson {
    let name = zone.to_string();
    if !matches!(zone, DisplayZone::Named(_)) {
        let (offset, abbr) = offset_at(zone, 0);
        return ZoneJson {
            name,
            spans: vec![(None, offset, abbr)],
        };
    }
    let mut days: Vec<i64> = times
        .iter()
        .filter(|t| t.is_finite())
        .map(|&t| (t as i64).div_euclid(DAY_MS))
        .collect();
    days.sort_unstable();
    days.dedup();
    if days.len() > MAX_DAYS {
        let step = days.len().div_ceil(MAX_DAYS);
        let last = days.last().copied();
        days = days.iter().step_by(step).copied().chain(last).collect();
        days.dedup();
    }
    let mut samples: Vec<i64> = days
        .iter()
        .flat_map(|&d| [d * DAY_MS, d * DAY_MS + DAY_MS - 1])
        .collect();
    if samples.is_empty() {
        samples.push(0);
    }
    let first = offset_at(zone, samples.first().copied().unwrap_or(0));
    let mut spans = vec![(None, first.0, first.1)];
    for pair in samples.windows(2) {
        let &[a, b] = pair else { continue };
        let (oa, _) = offset_at(zone, a);
        let (ob, _) = offset_at(zone, b);
        if oa == ob {
            continue;
        }
        // Bisect to the first second with the new offset.
        let (mut lo, mut hi) = (a, b);
        while hi - lo > 1_000 {
            let mid = lo + (hi - lo) / 2;
            if offset_at(zone, mid).0 == oa {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let at = hi - hi.rem_euclid(1_000);
        let at = if offset_at(zone, at).0 == oa { hi } else { at };
        let (o, abbr) = offset_at(zone, at);
        spans.push((Some(at), o, abbr));
    }
    spans.dedup_by(|b, a| a.1 == b.1 && a.2 == b.2);
    ZoneJson { name, spans }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(text: &str) -> f64 {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp_millis() as f64
    }

    #[test]
    fn utc_and_fixed_offsets_are_one_span() {
        let z = zone_json(DisplayZone::Utc, &[0.0]);
        assert_eq!(z.spans, vec![(None, 0, "UTC".to_string())]);
        let z = zone_json(DisplayZone::parse("+05:30").unwrap(), &[]);
        assert_eq!(z.spans, vec![(None, 330, "+05:30".to_string())]);
    }

    #[test]
    fn daylight_saving_changes_are_found_to_the_second() {
        let berlin = DisplayZone::parse("Europe/Berlin").unwrap();
        // 2024-03-31 01:00:00Z: CET → CEST.
        let times = [ms("2024-03-30T12:00:00Z"), ms("2024-03-31T12:00:00Z")];
        let z = zone_json(berlin, &times);
        assert_eq!(z.name, "Europe/Berlin");
        assert_eq!(z.spans.len(), 2, "{:?}", z.spans);
        assert_eq!(z.spans[0], (None, 60, "CET".to_string()));
        assert_eq!(
            z.spans[1],
            (
                Some(ms("2024-03-31T01:00:00Z") as i64),
                120,
                "CEST".to_string()
            )
        );
    }

    #[test]
    fn days_without_times_are_not_sampled_but_changes_between_them_are_kept() {
        let ny = DisplayZone::parse("America/New_York").unwrap();
        let times = [ms("2024-01-10T12:00:00Z"), ms("2024-07-10T12:00:00Z")];
        let z = zone_json(ny, &times);
        assert_eq!(z.spans.len(), 2);
        assert_eq!(z.spans[0].1, -300);
        assert_eq!(z.spans[1].1, -240);
        // The change lies between the two days; any instant in it is fine for display.
        let at = z.spans[1].0.unwrap() as f64;
        assert!(at > times[0] && at <= times[1]);
    }

    #[test]
    fn centuries_of_damaged_times_stay_bounded() {
        let berlin = DisplayZone::parse("Europe/Berlin").unwrap();
        let times: Vec<f64> = (0..100_000)
            .map(|d| d as f64 * DAY_MS as f64 * 3.0)
            .collect();
        let z = zone_json(berlin, &times);
        assert!(z.spans.len() < 2_000, "{}", z.spans.len());
    }
}
