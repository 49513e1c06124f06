//! A campaign audience uploaded as CSV: a `phone` column and any others,
//! which become the template's variables (`{"column": "first_name"}`).
//! Every line is accounted for: accepted, or rejected with its line number
//! and why (not a phone number, or the same number as an earlier line once
//! both are written in E.164).

use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use whatsflow_actors::identity::PhoneNumber;

/// Most rows one upload may have.
pub const MAX_ROWS: usize = 100_000;
/// Most columns (the phone included).
pub const MAX_COLUMNS: usize = 50;
/// Most rejected lines listed in the report (all are counted).
pub const MAX_REPORTED: usize = 1_000;

/// One accepted line.
#[derive(Debug, Clone, PartialEq)]
pub struct AudienceRow {
    /// Its line in the file (the header is line 1).
    pub line: i32,
    /// The phone, in E.164.
    pub phone: String,
    /// The other columns, by lower-cased name.
    pub columns: Map<String, Value>,
}

/// Why a line was not accepted.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct RejectedLine {
    /// Its line in the file.
    pub line: i32,
    /// The phone as written.
    pub phone: String,
    /// `invalid_phone` or `duplicate`.
    pub reason: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// What an upload made of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The variable columns, in file order.
    pub columns: Vec<String>,
    /// The accepted lines.
    pub rows: Vec<AudienceRow>,
    /// The rejected lines (all of them).
    pub rejected: Vec<RejectedLine>,
}

/// Reads the file; Err names what makes the whole file unusable.
pub fn parse(bytes: &[u8]) -> Result<Parsed, String> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(bytes);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("the header row could not be read: {e}"))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    if headers.len() > MAX_COLUMNS {
        return Err(format!("the file has {} columns; at most {MAX_COLUMNS} are read", headers.len()));
    }
    let Some(phone_at) = headers.iter().position(|h| h == "phone") else {
        return Err("the first row must be a header with a `phone` column; the other columns become the template's variables".into());
    };
    let columns: Vec<String> = headers.iter().filter(|h| *h != "phone" && !h.is_empty()).cloned().collect();
    let mut rows = Vec::new();
    let mut rejected = Vec::new();
    let mut seen: HashMap<String, i32> = HashMap::new();
    // The file's own line numbers: the reader skips blank lines, a
    // spreadsheet counts them, so lines are counted from byte offsets.
    let (mut newlines, mut counted_to) = (0usize, 0usize);
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("row {} could not be read: {e}", i + 2))?;
        let mut start = record.position().map_or(counted_to, |p| usize::try_from(p.byte()).unwrap_or(counted_to)).min(bytes.len());
        // The position may be where the skipped blank lines began.
        while start < bytes.len() && matches!(bytes[start], b'\n' | b'\r') {
            start += 1;
        }
        if start > counted_to {
            newlines += bytes[counted_to..start].iter().filter(|b| **b == b'\n').count();
            counted_to = start;
        }
        let line = i32::try_from(newlines + 1).unwrap_or(i32::MAX);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if rows.len() + rejected.len() >= MAX_ROWS {
            return Err(format!("the file has more than {MAX_ROWS} rows; split it into several campaigns"));
        }
        let raw = record.get(phone_at).unwrap_or_default().to_owned();
        let phone = match PhoneNumber::parse(&raw) {
            Ok(p) => p.as_str().to_owned(),
            Err(_) => {
                rejected.push(RejectedLine {
                    line,
                    phone: raw.clone(),
                    reason: "invalid_phone".into(),
                    message: format!("`{raw}` is not a phone number; write it in international form, e.g. +919812345678"),
                });
                continue;
            }
        };
        if let Some(first) = seen.get(&phone) {
            rejected.push(RejectedLine {
                line,
                phone: raw,
                reason: "duplicate".into(),
                message: format!("the same number as line {first} ({phone}); each number is sent to once"),
            });
            continue;
        }
        seen.insert(phone.clone(), line);
        let mut values = Map::new();
        for (h, v) in headers.iter().zip(record.iter()) {
            if h != "phone" && !h.is_empty() {
                values.insert(h.clone(), Value::String(v.to_owned()));
            }
        }
        rows.push(AudienceRow { line, phone, columns: values });
    }
    Ok(Parsed { columns, rows, rejected })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_is_accepted_or_rejected_with_its_number() {
        let csv = "Phone,First_Name,City\n+91 98000 00001,Asha,Pune\n12ab,Bad,X\n919800000001,Twin,Y\n\n+919800000002,,Delhi\n";
        let p = parse(csv.as_bytes()).unwrap();
        assert_eq!(p.columns, vec!["first_name", "city"]);
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.rows[0].phone, "+919800000001");
        assert_eq!(p.rows[0].columns["first_name"], "Asha");
        assert_eq!(p.rows[1].line, 6, "the blank line still counts");
        let why: Vec<(i32, &str)> = p.rejected.iter().map(|r| (r.line, r.reason.as_str())).collect();
        assert_eq!(why, vec![(3, "invalid_phone"), (4, "duplicate")]);
        assert!(p.rejected[1].message.contains("line 2"));
        assert!(parse(b"name\nAsha\n").unwrap_err().contains("`phone` column"));
    }
}
