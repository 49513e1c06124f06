//! Recipients' own clocks: each recipient's time zone (their contact's
//! `timezone` field, else their phone's country, else the campaign's), the
//! moment a "10:00 on 1 December, local time" send is due for them (DST
//! included), and quiet hours in which nobody is sent to.

use super::super::store::repo::campaigns::AudienceContact;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{json, Value};

/// Reads an IANA zone name (`Asia/Kolkata`).
pub fn parse_zone(name: &str) -> Option<Tz> {
    name.trim().parse::<Tz>().ok()
}

/// The zone of most of a calling code's numbers, for countries with one
/// zone (or one that most of their people live in). Longest codes first.
const ZONES_BY_CALLING_CODE: &[(&str, Tz)] = &[
    ("880", Tz::Asia__Dhaka),
    ("977", Tz::Asia__Kathmandu),
    ("971", Tz::Asia__Dubai),
    ("966", Tz::Asia__Riyadh),
    ("974", Tz::Asia__Qatar),
    ("965", Tz::Asia__Kuwait),
    ("968", Tz::Asia__Muscat),
    ("973", Tz::Asia__Bahrain),
    ("234", Tz::Africa__Lagos),
    ("254", Tz::Africa__Nairobi),
    ("233", Tz::Africa__Accra),
    ("255", Tz::Africa__Dar_es_Salaam),
    ("256", Tz::Africa__Kampala),
    ("212", Tz::Africa__Casablanca),
    ("353", Tz::Europe__Dublin),
    ("351", Tz::Europe__Lisbon),
    ("91", Tz::Asia__Kolkata),
    ("92", Tz::Asia__Karachi),
    ("94", Tz::Asia__Colombo),
    ("95", Tz::Asia__Yangon),
    ("60", Tz::Asia__Kuala_Lumpur),
    ("62", Tz::Asia__Jakarta),
    ("63", Tz::Asia__Manila),
    ("65", Tz::Asia__Singapore),
    ("66", Tz::Asia__Bangkok),
    ("84", Tz::Asia__Ho_Chi_Minh),
    ("81", Tz::Asia__Tokyo),
    ("82", Tz::Asia__Seoul),
    ("86", Tz::Asia__Shanghai),
    ("90", Tz::Europe__Istanbul),
    ("20", Tz::Africa__Cairo),
    ("27", Tz::Africa__Johannesburg),
    ("44", Tz::Europe__London),
    ("49", Tz::Europe__Berlin),
    ("33", Tz::Europe__Paris),
    ("34", Tz::Europe__Madrid),
    ("39", Tz::Europe__Rome),
    ("31", Tz::Europe__Amsterdam),
    ("41", Tz::Europe__Zurich),
    ("48", Tz::Europe__Warsaw),
    ("52", Tz::America__Mexico_City),
    ("54", Tz::America__Argentina__Buenos_Aires),
    ("55", Tz::America__Sao_Paulo),
    ("56", Tz::America__Santiago),
    ("57", Tz::America__Bogota),
    ("61", Tz::Australia__Sydney),
    ("64", Tz::Pacific__Auckland),
    ("1", Tz::America__New_York),
    ("7", Tz::Europe__Moscow),
];

/// A recipient's zone: the contact's `timezone` custom field when it names
/// a zone, else the zone of their phone's country, else `fallback` (the
/// campaign's).
pub fn zone_of(contact: &AudienceContact, fallback: Tz) -> Tz {
    if let Some(z) = contact.custom_fields.get("timezone").and_then(Value::as_str).and_then(parse_zone) {
        return z;
    }
    let digits = contact.phone.as_deref().map(|p| p.trim_start_matches('+')).unwrap_or_default();
    ZONES_BY_CALLING_CODE.iter().find(|(code, _)| digits.starts_with(code)).map_or(fallback, |(_, z)| *z)
}

/// The UTC instant of a wall-clock time in `zone`. A time the clocks skip
/// (spring forward: 02:30 on a day that jumps from 02:00 to 03:00) becomes
/// the first minute that exists after it (03:00); a time they pass twice
/// (fall back) is the first of the two.
pub fn local_instant(date: NaiveDate, time: NaiveTime, zone: Tz) -> DateTime<Utc> {
    let wall = NaiveDateTime::new(date, time);
    for shift in 0..=180 {
        // DST gaps are at most a couple of hours; walk minute by minute.
        let Some(moved) = wall.checked_add_signed(Duration::minutes(shift)) else { break };
        if let Some(at) = zone.from_local_datetime(&moved).earliest() {
            return at.with_timezone(&Utc);
        }
    }
    Utc.from_utc_datetime(&wall)
}

/// A "same local time everywhere" send: a date and a wall-clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalSend {
    /// The day.
    pub date: NaiveDate,
    /// The time of day.
    pub time: NaiveTime,
}

/// How far ahead a local send may be scheduled.
const MAX_DAYS_AHEAD: i64 = 366;

/// The zones furthest ahead of and behind UTC: a local send is due first
/// at Kiritimati (UTC+14) and last at Pago Pago (UTC−11).
const FIRST_ZONE: Tz = Tz::Pacific__Kiritimati;
const LAST_ZONE: Tz = Tz::Pacific__Pago_Pago;

impl LocalSend {
    /// Reads `{"date": "2026-12-01", "time": "10:00"}`.
    pub fn parse(v: &Value) -> Result<Self, String> {
        let date = v["date"]
            .as_str()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .ok_or_else(|| "`local.date` must be a day like 2026-12-01".to_owned())?;
        let time = v["time"].as_str().and_then(parse_time).ok_or_else(|| "`local.time` must be a time like 10:00".to_owned())?;
        let today = Utc::now().date_naive();
        if date < today - Duration::days(1) || date > today + Duration::days(MAX_DAYS_AHEAD) {
            return Err(format!("`local.date` must be from yesterday to {MAX_DAYS_AHEAD} days ahead"));
        }
        Ok(Self { date, time })
    }

    /// As stored and shown.
    pub fn to_json(self) -> Value {
        json!({"date": self.date.format("%Y-%m-%d").to_string(), "time": self.time.format("%H:%M").to_string()})
    }

    /// When the first recipient anywhere is due.
    pub fn first_due(self) -> DateTime<Utc> {
        local_instant(self.date, self.time, FIRST_ZONE)
    }

    /// When the last recipient anywhere is due.
    pub fn last_due(self) -> DateTime<Utc> {
        local_instant(self.date, self.time, LAST_ZONE)
    }
}

/// Reads `HH:MM`.
fn parse_time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").ok()
}

/// Hours of the recipient's own day in which nobody is sent to; `start`
/// after `end` runs past midnight (21:00–09:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    /// When quiet begins.
    pub start: NaiveTime,
    /// When sending may resume.
    pub end: NaiveTime,
}

impl QuietHours {
    /// Reads `{"start": "21:00", "end": "09:00"}` (null: none).
    pub fn parse(v: &Value) -> Result<Option<Self>, String> {
        if v.is_null() {
            return Ok(None);
        }
        let read = |k: &str| v[k].as_str().and_then(parse_time).ok_or_else(|| format!("`quiet_hours.{k}` must be a time like 21:00"));
        let q = Self { start: read("start")?, end: read("end")? };
        if q.start == q.end {
            return Err("`quiet_hours` starts and ends at the same time; give a span (21:00 to 09:00) or none".into());
        }
        Ok(Some(q))
    }

    /// As stored and shown.
    pub fn to_json(self) -> Value {
        json!({"start": self.start.format("%H:%M").to_string(), "end": self.end.format("%H:%M").to_string()})
    }

    /// Whether `t` (a local time of day) is quiet.
    pub fn contains(self, t: NaiveTime) -> bool {
        if self.start < self.end {
            t >= self.start && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(phone: &str, fields: Value) -> AudienceContact {
        AudienceContact {
            id: None,
            phone: Some(phone.into()),
            name: None,
            custom_fields: fields,
            opted_in: true,
            columns: None,
            line: None,
        }
    }

    #[test]
    fn a_zone_comes_from_the_contact_then_the_phone_then_the_campaign() {
        let utc = Tz::UTC;
        assert_eq!(zone_of(&contact("+919800000001", json!({"timezone": "Europe/London"})), utc), Tz::Europe__London);
        assert_eq!(zone_of(&contact("+919800000001", json!({"timezone": "Mars/Olympus"})), utc), Tz::Asia__Kolkata);
        assert_eq!(zone_of(&contact("+8801700000000", json!({})), utc), Tz::Asia__Dhaka);
        assert_eq!(zone_of(&contact("+14155550100", json!({})), utc), Tz::America__New_York);
        assert_eq!(zone_of(&contact("+999123", json!({})), Tz::Asia__Tokyo), Tz::Asia__Tokyo);
    }

    #[test]
    fn local_times_follow_daylight_saving() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let t = |s: &str| parse_time(s).unwrap();
        let ny = Tz::America__New_York;
        // Winter (EST, −5) and summer (EDT, −4).
        assert_eq!(local_instant(d("2026-12-01"), t("10:00"), ny).to_rfc3339(), "2026-12-01T15:00:00+00:00");
        assert_eq!(local_instant(d("2026-07-01"), t("10:00"), ny).to_rfc3339(), "2026-07-01T14:00:00+00:00");
        // 02:30 does not exist on 8 March 2026: sent when the clocks reach 03:00 EDT.
        assert_eq!(local_instant(d("2026-03-08"), t("02:30"), ny).to_rfc3339(), "2026-03-08T07:00:00+00:00");
        // 01:30 happens twice on 1 November 2026: the first (EDT).
        assert_eq!(local_instant(d("2026-11-01"), t("01:30"), ny).to_rfc3339(), "2026-11-01T05:30:00+00:00");
        // India has no DST.
        assert_eq!(local_instant(d("2026-12-01"), t("10:00"), Tz::Asia__Kolkata).to_rfc3339(), "2026-12-01T04:30:00+00:00");
        // A send day must lie ahead (from yesterday on): ten days from now.
        let day = (Utc::now() + Duration::days(10)).date_naive();
        let l = LocalSend::parse(&json!({"date": day.to_string(), "time": "10:00"})).unwrap();
        let utc_at = |d: NaiveDate, h: u32| d.and_time(NaiveTime::from_hms_opt(h, 0, 0).unwrap()).and_utc();
        assert_eq!(l.first_due(), utc_at(day.pred_opt().unwrap(), 20), "10:00 at UTC+14 is 20:00 UTC the day before");
        assert_eq!(l.last_due(), utc_at(day, 21), "10:00 at UTC-11 is 21:00 UTC");
        assert!(LocalSend::parse(&json!({"date": "1 Dec", "time": "10:00"})).unwrap_err().contains("local.date"));
    }

    #[test]
    fn quiet_hours_may_run_past_midnight() {
        let t = |s: &str| parse_time(s).unwrap();
        let night = QuietHours::parse(&json!({"start": "21:00", "end": "09:00"})).unwrap().unwrap();
        assert!(night.contains(t("23:30")) && night.contains(t("08:59")) && night.contains(t("21:00")));
        assert!(!night.contains(t("09:00")) && !night.contains(t("12:00")));
        let lunch = QuietHours::parse(&json!({"start": "13:00", "end": "14:00"})).unwrap().unwrap();
        assert!(lunch.contains(t("13:30")) && !lunch.contains(t("14:00")));
        assert_eq!(QuietHours::parse(&Value::Null), Ok(None));
        assert!(QuietHours::parse(&json!({"start": "9", "end": "10:00"})).unwrap_err().contains("quiet_hours.start"));
        assert!(QuietHours::parse(&json!({"start": "09:00", "end": "09:00"})).is_err());
    }
}
