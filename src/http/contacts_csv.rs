//! CSV import and export of contacts, streamed both ways.
//!
//! Import (`POST /contacts/import`, the body is the CSV): the request body
//! is read chunk by chunk into a CSV reader on a blocking thread, which hands
//! back parsed rows in batches; each batch is upserted as it comes, all in
//! one transaction (the import applies whole or not at all). Memory is one
//! batch and the set of phones seen (to report duplicates), never the file.
//! Every row is accounted for: imported, updated, or failed with its line and
//! reason. `opted_in` changes only where the file has that column: an import
//! never opts anyone back in by omission.
//!
//! Export (`GET /contacts/export`): pages of contacts are read and written
//! out as CSV chunks while the response streams.

use crate::auth::Manager;
use crate::http::contacts::clean_tags;
use crate::http::error::{ApiError, ErrorCode};
use crate::startup::AppState;
use crate::store::repo::contacts::ImportRecord;
use crate::store::repo::{Cursor, Db};
use actix_web::{web, HttpResponse};
use futures::StreamExt;
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};
use whatsflow_actors::identity::PhoneNumber;
use whatsflow_actors::ids::TenantId;

/// Largest CSV import accepted in one request.
pub const MAX_IMPORT_BYTES: usize = 10 * 1024 * 1024;
/// Most data rows in one import.
pub const MAX_IMPORT_ROWS: usize = 100_000;
/// Most columns in one import.
pub const MAX_IMPORT_COLUMNS: usize = 50;
/// Rows upserted per statement.
const IMPORT_BATCH: usize = 1_000;
/// Contacts read per page when exporting.
const EXPORT_PAGE: i64 = 1_000;

/// One row's problem in an import.
#[derive(Debug, serde::Serialize, PartialEq)]
pub struct RowError {
    /// 1-based line number in the file (the header is line 1).
    pub line: usize,
    /// The offending column.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// A parsed import row.
#[derive(Debug, PartialEq)]
pub struct ImportRow {
    /// The file line.
    pub line: usize,
    /// E.164 phone.
    pub phone: String,
    /// Name.
    pub name: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Opt-in, when the file has the column and the row a value.
    pub opted_in: Option<bool>,
    /// Other columns.
    pub custom_fields: Map<String, Value>,
}

/// The header row, checked: lower-cased names, a `phone` column, at most
/// [`MAX_IMPORT_COLUMNS`].
pub fn parse_header(record: &csv::StringRecord) -> Result<Vec<String>, ApiError> {
    let headers: Vec<String> = record.iter().map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase()).collect();
    if headers.len() > MAX_IMPORT_COLUMNS {
        return Err(ApiError::BadRequest {
            code: ErrorCode::InvalidCsv,
            message: format!("the file has {} columns; at most {MAX_IMPORT_COLUMNS} are imported", headers.len()),
        });
    }
    if !headers.iter().any(|h| h == "phone") {
        return Err(ApiError::BadRequest {
            code: ErrorCode::InvalidCsv,
            message: "the first row must be a header with a `phone` column (and optionally name, tags, opted_in, any custom fields)".into(),
        });
    }
    Ok(headers)
}

/// One data row: parsed, or every problem it has.
pub fn parse_record(headers: &[String], record: &csv::StringRecord, line: usize) -> Result<ImportRow, Vec<RowError>> {
    let mut row = ImportRow { line, phone: String::new(), name: None, tags: Vec::new(), opted_in: None, custom_fields: Map::new() };
    let mut errors = Vec::new();
    let mut err = |field: &str, message: String| errors.push(RowError { line, field: field.into(), message });
    for (h, v) in headers.iter().zip(record.iter()) {
        match h.as_str() {
            "phone" if v.trim().is_empty() => err("phone", "phone is required".into()),
            "phone" => match PhoneNumber::parse(v) {
                Ok(p) => row.phone = p.as_str().to_owned(),
                Err(_) => err("phone", format!("`{v}` is not a phone number; use international form, e.g. +14155550123")),
            },
            "name" => row.name = Some(v.to_owned()).filter(|s| !s.is_empty()),
            "tags" => {
                let tags: Vec<String> = v.split([';', '|']).map(str::to_owned).filter(|t| !t.trim().is_empty()).collect();
                match clean_tags(&tags) {
                    Ok(t) => row.tags = t,
                    Err(e) => err("tags", e.to_string()),
                }
            }
            "opted_in" => match v.to_lowercase().as_str() {
                "" => {}
                "true" | "yes" | "1" | "y" => row.opted_in = Some(true),
                "false" | "no" | "0" | "n" => row.opted_in = Some(false),
                other => err("opted_in", format!("`{other}` is not true or false")),
            },
            custom if !v.is_empty() => {
                row.custom_fields.insert(custom.to_owned(), Value::String(v.to_owned()));
            }
            _ => {}
        }
    }
    if row.phone.is_empty() && errors.is_empty() {
        errors.push(RowError { line, field: "phone".into(), message: "phone is empty".into() });
    }
    if errors.is_empty() {
        Ok(row)
    } else {
        Err(errors)
    }
}

/// Parses a whole CSV held in memory (tests; the route streams).
pub fn parse_csv(bytes: &[u8]) -> Result<(Vec<ImportRow>, Vec<RowError>), ApiError> {
    let mut reader = csv_reader(bytes);
    let headers =
        parse_header(reader.headers().map_err(|e| ApiError::BadRequest {
            code: ErrorCode::InvalidCsv,
            message: format!("the header row could not be read: {e}"),
        })?)?;
    let (mut rows, mut errors) = (Vec::new(), Vec::new());
    for (i, record) in reader.records().enumerate() {
        match record {
            Ok(r) => match parse_record(&headers, &r, i + 2) {
                Ok(row) => rows.push(row),
                Err(e) => errors.extend(e),
            },
            Err(e) => errors.push(RowError { line: i + 2, field: "*".into(), message: format!("unreadable row: {e}") }),
        }
    }
    Ok((rows, errors))
}

fn csv_reader<R: std::io::Read>(r: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(r)
}

/// What the parsing thread hands back.
enum Parsed {
    Batch(Vec<ImportRow>, Vec<RowError>),
    Fatal(ApiError),
}

/// A `Read` over the request's chunks as they arrive.
struct ChunkReader {
    rx: tokio::sync::mpsc::Receiver<bytes::Bytes>,
    current: bytes::Bytes,
}

impl std::io::Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(chunk) => self.current = chunk,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

/// The parsing thread: header, then rows in batches.
fn parse_stream(reader: ChunkReader, out: tokio::sync::mpsc::Sender<Parsed>) {
    let mut reader = csv_reader(reader);
    let headers = match reader.headers() {
        Ok(h) => parse_header(h),
        Err(e) => Err(ApiError::BadRequest { code: ErrorCode::InvalidCsv, message: format!("the header row could not be read: {e}") }),
    };
    let headers = match headers {
        Ok(h) => h,
        Err(e) => {
            let _ = out.blocking_send(Parsed::Fatal(e));
            return;
        }
    };
    let (mut rows, mut errors) = (Vec::with_capacity(IMPORT_BATCH), Vec::new());
    let mut record = csv::StringRecord::new();
    let mut line = 1;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                line += 1;
                if line - 1 > MAX_IMPORT_ROWS {
                    let _ = out.blocking_send(Parsed::Fatal(ApiError::PayloadTooLarge(format!(
                        "the file has more than {MAX_IMPORT_ROWS} rows; split it (nothing was imported)"
                    ))));
                    return;
                }
                match parse_record(&headers, &record, line) {
                    Ok(row) => rows.push(row),
                    Err(e) => errors.extend(e),
                }
            }
            Err(e) => {
                line += 1;
                errors.push(RowError { line, field: "*".into(), message: format!("unreadable row: {e}") });
                if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. } | csv::ErrorKind::UnequalLengths { .. }) {
                    break;
                }
            }
        }
        if rows.len() >= IMPORT_BATCH {
            let batch = std::mem::replace(&mut rows, Vec::with_capacity(IMPORT_BATCH));
            if out.blocking_send(Parsed::Batch(batch, std::mem::take(&mut errors))).is_err() {
                return;
            }
        }
    }
    let _ = out.blocking_send(Parsed::Batch(rows, errors));
}

/// `POST /contacts/import` with a CSV body: upserts by phone and reports every row.
pub async fn import(state: web::Data<AppState>, user: Manager, mut payload: web::Payload) -> Result<HttpResponse, ApiError> {
    let (chunk_tx, chunk_rx) = tokio::sync::mpsc::channel::<bytes::Bytes>(8);
    let (parsed_tx, mut parsed_rx) = tokio::sync::mpsc::channel::<Parsed>(2);
    let parser = tokio::task::spawn_blocking(move || parse_stream(ChunkReader { rx: chunk_rx, current: bytes::Bytes::new() }, parsed_tx));
    let feed = async move {
        let mut total = 0usize;
        while let Some(chunk) = payload.next().await {
            let chunk =
                chunk.map_err(|e| ApiError::BadRequest { code: ErrorCode::InvalidCsv, message: format!("the upload broke off: {e}") })?;
            total += chunk.len();
            if total > MAX_IMPORT_BYTES {
                return Err(ApiError::PayloadTooLarge(format!("imports are limited to {MAX_IMPORT_BYTES} bytes; split the file")));
            }
            if chunk_tx.send(chunk).await.is_err() {
                // The parser stopped early (a fatal problem it reports itself).
                break;
            }
        }
        Ok::<_, ApiError>(())
    };
    let contacts = state.db.tenant(user.tenant_id).contacts();
    let apply = async {
        let mut import = contacts.import().await?;
        let (mut imported, mut updated) = (0usize, 0usize);
        let mut errors: Vec<RowError> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        while let Some(parsed) = parsed_rx.recv().await {
            let (rows, row_errors) = match parsed {
                Parsed::Batch(rows, e) => (rows, e),
                Parsed::Fatal(e) => return Err(e),
            };
            errors.extend(row_errors);
            // A phone twice in one file: the first wins, the repeat is reported.
            let mut unique = Vec::with_capacity(rows.len());
            for r in rows {
                match seen.get(&r.phone) {
                    Some(first) => {
                        errors.push(RowError { line: r.line, field: "phone".into(), message: format!("duplicate of line {first}") })
                    }
                    None => {
                        seen.insert(r.phone.clone(), r.line);
                        unique.push(r);
                    }
                }
            }
            let records: Vec<ImportRecord> = unique
                .into_iter()
                .map(|r| ImportRecord { phone: r.phone, name: r.name, tags: r.tags, opted_in: r.opted_in, custom_fields: r.custom_fields })
                .collect();
            let (new, changed) = import.upsert(&records).await?;
            imported += new;
            updated += changed;
        }
        Ok::<_, ApiError>((import, imported, updated, errors))
    };
    let (fed, applied) = futures::join!(feed, apply);
    let _ = parser.await;
    // A body that broke off or ran over the limit imports nothing: the
    // transaction is dropped (rolled back) before it is committed.
    fed?;
    let (import, imported, updated, mut errors) = applied?;
    import.commit().await?;
    errors.sort_by_key(|e| e.line);
    let failed_lines: BTreeSet<usize> = errors.iter().map(|e| e.line).collect();
    Ok(HttpResponse::Ok().json(json!({
        "imported": imported, "updated": updated, "failed": failed_lines.len(), "total": imported + updated + failed_lines.len(), "errors": errors,
    })))
}

/// `GET /contacts/export`: every contact as CSV (custom fields as columns),
/// streamed page by page.
pub async fn export(state: web::Data<AppState>, user: Manager) -> Result<HttpResponse, ApiError> {
    let tenant = user.tenant_id;
    state.db.audit().append(crate::audit::Entry::by(&user, "contacts.exported")).await?;
    let custom = state.db.tenant(tenant).contacts().custom_field_names().await?;
    let mut header = vec!["phone", "name", "username", "user_id", "tags", "opted_in", "created_at"];
    header.extend(custom.iter().map(String::as_str));
    let first = csv_line(&header.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>())?;
    let (tx_chunks, rx_chunks) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, ApiError>>(4);
    let db = state.db.clone();
    tokio::spawn(async move {
        if tx_chunks.send(Ok(first)).await.is_err() {
            return;
        }
        let mut after: Option<Cursor> = None;
        loop {
            let page = export_page(&db, tenant, after, &custom).await;
            let (chunk, last) = match page {
                Ok(p) => p,
                Err(e) => {
                    let _ = tx_chunks.send(Err(e)).await;
                    return;
                }
            };
            let Some(last) = last else { return };
            after = Some(last);
            if tx_chunks.send(Ok(chunk)).await.is_err() {
                return;
            }
        }
    });
    let body = futures::stream::unfold(rx_chunks, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", "attachment; filename=\"contacts.csv\""))
        .streaming(body))
}

/// A cell a spreadsheet will not run as a formula: customer-written values
/// (a WhatsApp profile name of `=HYPERLINK(…)`) get a leading apostrophe.
pub fn spreadsheet_safe(cell: String) -> String {
    let risky = match cell.chars().next() {
        Some('=' | '@' | '-' | '\t' | '\r') => true,
        // `+14155550101` is a phone number; `+SUM(…)` is not.
        Some('+') => !cell[1..].chars().all(|c| c.is_ascii_digit()),
        _ => false,
    };
    if risky {
        format!("'{cell}")
    } else {
        cell
    }
}

fn csv_line(fields: &[String]) -> Result<bytes::Bytes, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(fields).map_err(|e| ApiError::Internal(e.into()))?;
    w.into_inner().map(bytes::Bytes::from).map_err(|e| ApiError::Internal(anyhow::anyhow!("csv: {e}")))
}

/// One page of the export as CSV, and the key of its last row (None: done).
async fn export_page(
    db: &Db,
    tenant: TenantId,
    after: Option<Cursor>,
    custom: &[String],
) -> Result<(bytes::Bytes, Option<Cursor>), ApiError> {
    let rows = db.tenant(tenant).contacts().export_page(after, EXPORT_PAGE).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut last = None;
    for (c, cursor) in &rows {
        last = Some(*cursor);
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        let created = c.created_at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
        let mut rec = vec![s(&c.phone), s(&c.name), s(&c.username), s(&c.user_id), c.tags.join(";"), c.opted_in.to_string(), created];
        for k in custom {
            rec.push(match &c.custom_fields[k] {
                Value::String(v) => v.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            });
        }
        let rec: Vec<String> = rec.into_iter().map(spreadsheet_safe).collect();
        w.write_record(&rec).map_err(|e| ApiError::Internal(e.into()))?;
    }
    let bytes = w.into_inner().map_err(|e| ApiError::Internal(anyhow::anyhow!("csv: {e}")))?;
    Ok((bytes.into(), last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_parsed_or_reported() {
        let csv =
            "phone,name,tags,opted_in,city\n+1 415 555 0101,Asha,vip;Lead,yes,Pune\nnot-a-phone,Bad,,,\n14155550102,,,maybe,\n,Empty,,,\n";
        let (rows, errors) = parse_csv(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].phone, "+14155550101");
        assert_eq!(rows[0].tags, vec!["vip", "lead"]);
        assert_eq!(rows[0].custom_fields["city"], "Pune");
        assert_eq!(rows[0].opted_in, Some(true));
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4, 5]);
        assert!(parse_csv(b"name\nAsha\n").is_err(), "a file without a phone column is refused whole");
    }

    #[test]
    fn a_row_without_the_opted_in_column_leaves_consent_alone() {
        let (rows, _) = parse_csv(b"phone,name\n+14155550101,Asha\n").unwrap();
        assert_eq!(rows[0].opted_in, None);
    }

    #[test]
    fn exported_cells_never_run_as_formulas() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")".into()), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("@SUM(A1)".into()), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("-2+3".into()), "'-2+3");
        assert_eq!(spreadsheet_safe("+SUM(A1)".into()), "'+SUM(A1)");
        assert_eq!(spreadsheet_safe("+14155550101".into()), "+14155550101");
        assert_eq!(spreadsheet_safe("Asha".into()), "Asha");
    }

    #[test]
    fn too_many_columns_are_refused_at_the_header() {
        let header: Vec<String> = std::iter::once("phone".to_owned()).chain((0..MAX_IMPORT_COLUMNS).map(|i| format!("c{i}"))).collect();
        let csv = format!("{}\n", header.join(","));
        assert!(parse_csv(csv.as_bytes()).is_err());
    }
}
