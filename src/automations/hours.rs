//! Business hours: a weekly schedule in a time zone, with holidays closed
//! all day. `{"mon": [["09:00", "18:00"]], ...}`: a day may have several
//! spans; a missing day is closed; `24:00` ends a span at midnight.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use serde_json::Value;

const DAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

/// Most spans in one day.
const MAX_SPANS: usize = 6;
/// Most holidays kept.
pub const MAX_HOLIDAYS: usize = 366;

/// A parsed schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    zone: Tz,
    /// Spans by weekday (Monday first), minutes from midnight, end exclusive.
    spans: [Vec<(u32, u32)>; 7],
    holidays: Vec<NaiveDate>,
}

fn minutes(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    ((h < 24 && m < 60) || (h == 24 && m == 0)).then_some(h * 60 + m)
}

impl Schedule {
    /// Parses and checks a schedule; the error names what to fix.
    pub fn parse(time_zone: &str, weekly: &Value, holidays: &Value) -> Result<Self, String> {
        let zone: Tz =
            time_zone.trim().parse().map_err(|_| format!("`time_zone` `{time_zone}` is not an IANA zone such as Asia/Kolkata"))?;
        let week = weekly.as_object().ok_or("`weekly` must be an object such as {\"mon\": [[\"09:00\", \"18:00\"]]}")?;
        let mut spans: [Vec<(u32, u32)>; 7] = Default::default();
        for (key, day_spans) in week {
            let Some(idx) = DAYS.iter().position(|(d, _)| d == key) else {
                return Err(format!("`weekly` has `{key}`; days are mon, tue, wed, thu, fri, sat, sun"));
            };
            let list = day_spans.as_array().ok_or(format!("`weekly.{key}` must be a list of [\"HH:MM\", \"HH:MM\"] spans"))?;
            if list.len() > MAX_SPANS {
                return Err(format!("`weekly.{key}` has more than {MAX_SPANS} spans"));
            }
            for span in list {
                let pair = span.as_array().filter(|p| p.len() == 2);
                let (from, to) = match pair.map(|p| (p[0].as_str().and_then(minutes), p[1].as_str().and_then(minutes))) {
                    Some((Some(f), Some(t))) if f < t => (f, t),
                    _ => return Err(format!("`weekly.{key}` has a span that is not [\"HH:MM\", \"HH:MM\"] with the start before the end")),
                };
                spans[idx].push((from, to));
            }
        }
        let holidays = match holidays {
            Value::Null => Vec::new(),
            Value::Array(list) if list.len() <= MAX_HOLIDAYS => list
                .iter()
                .map(|h| {
                    h["date"]
                        .as_str()
                        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                        .ok_or("each holiday is {\"date\": \"YYYY-MM-DD\", \"name\"?}".to_owned())
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(format!("`holidays` must be a list of at most {MAX_HOLIDAYS} {{\"date\": \"YYYY-MM-DD\"}}")),
        };
        Ok(Self { zone, spans, holidays })
    }

    /// Whether the business is open at `at`.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&self.zone);
        if self.holidays.contains(&local.date_naive()) {
            return false;
        }
        let day = local.weekday().num_days_from_monday() as usize;
        let time = local.time();
        let now = time.signed_duration_since(NaiveTime::MIN).num_minutes();
        let now = u32::try_from(now).unwrap_or(0);
        self.spans[day].iter().any(|(from, to)| *from <= now && now < *to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).single().unwrap()
    }

    #[test]
    fn open_within_the_local_spans_closed_on_holidays_and_missing_days() {
        let s = Schedule::parse(
            "Asia/Kolkata",
            &json!({"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "sat": [["10:00", "24:00"]]}),
            &json!([{"date": "2026-12-07", "name": "Closed Monday"}]),
        )
        .unwrap();
        // Monday 30 Nov 2026, 09:30 IST = 04:00 UTC.
        assert!(s.is_open(utc(2026, 11, 30, 4, 0)));
        // 13:30 IST (lunch): closed.
        assert!(!s.is_open(utc(2026, 11, 30, 8, 0)));
        // 08:59 IST: closed.
        assert!(!s.is_open(utc(2026, 11, 30, 3, 29)));
        // Tuesday: no spans.
        assert!(!s.is_open(utc(2026, 12, 1, 5, 0)));
        // A holiday Monday.
        assert!(!s.is_open(utc(2026, 12, 7, 5, 0)));
        // Saturday 23:59 IST.
        assert!(s.is_open(utc(2026, 12, 5, 18, 29)));
    }

    #[test]
    fn bad_schedules_say_what_to_fix() {
        assert!(Schedule::parse("Mars/Base", &json!({}), &json!([])).unwrap_err().contains("IANA"));
        assert!(Schedule::parse("UTC", &json!({"monday": []}), &json!([])).unwrap_err().contains("mon, tue"));
        assert!(Schedule::parse("UTC", &json!({"mon": [["18:00", "09:00"]]}), &json!([])).is_err());
        assert!(Schedule::parse("UTC", &json!({"mon": [["9am", "5pm"]]}), &json!([])).is_err());
        assert!(Schedule::parse("UTC", &json!({}), &json!([{"date": "25/12/2026"}])).is_err());
    }
}
