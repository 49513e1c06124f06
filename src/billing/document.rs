//! An invoice or credit note as people read it: an HTML page and a PDF
//! (a one-page PDF 1.4 written here, Helvetica text, so nothing outside the
//! project renders it). Amounts show in rupees from exact paise.

use crate::store::repo::billing::InvoiceView;
use serde_json::Value;

/// `117882` paise as `1,178.82`.
pub fn rupees(paise: i64) -> String {
    let sign = if paise < 0 { "-" } else { "" };
    let p = paise.unsigned_abs();
    let whole = (p / 100).to_string();
    // Indian grouping: the last three digits, then pairs (12,34,567.00).
    let mut grouped = String::new();
    let (head, tail) = whole.split_at(whole.len().saturating_sub(3));
    for (i, c) in head.chars().enumerate() {
        if i > 0 && (head.len() - i) % 2 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if !head.is_empty() {
        grouped.push(',');
    }
    grouped.push_str(tail);
    format!("{sign}{grouped}.{:02}", p % 100)
}

fn title(inv: &InvoiceView) -> &'static str {
    if inv.kind == "credit_note" {
        "Credit note"
    } else {
        "Tax invoice"
    }
}

fn field<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("")
}

/// The lines both renderings show, label and value.
fn lines(inv: &InvoiceView, product: &str) -> Vec<(String, String)> {
    let mut out = vec![
        (format!("{} {}", title(inv), inv.number), String::new()),
        // The product the customer bought: a white-label partner's brand
        // for its clients (the supplier stays the platform).
        ("Product".into(), product.to_owned()),
        ("Date".into(), inv.issued_at.format("%d %b %Y").to_string()),
        ("Supplier".into(), field(&inv.seller, "legal_name").to_owned()),
    ];
    if !field(&inv.seller, "gstin").is_empty() {
        out.push(("Supplier GSTIN".into(), field(&inv.seller, "gstin").to_owned()));
    }
    if !field(&inv.seller, "address").is_empty() {
        out.push(("Supplier address".into(), field(&inv.seller, "address").to_owned()));
    }
    out.push(("Customer".into(), field(&inv.buyer, "legal_name").to_owned()));
    if !field(&inv.buyer, "gstin").is_empty() {
        out.push(("Customer GSTIN".into(), field(&inv.buyer, "gstin").to_owned()));
    }
    if !field(&inv.buyer, "address").is_empty() {
        out.push(("Customer address".into(), field(&inv.buyer, "address").to_owned()));
    }
    out.push(("Place of supply".into(), inv.place_of_supply.clone()));
    out.push(("Service".into(), format!("{} (SAC {})", inv.description, inv.sac)));
    out.push(("Payment".into(), inv.payment_id.clone()));
    if let Some(r) = &inv.refund_id {
        out.push(("Refund".into(), r.clone()));
    }
    let cur = &inv.currency;
    out.push(("Taxable value".into(), format!("{cur} {}", rupees(inv.taxable_minor))));
    if inv.igst_minor > 0 || (inv.cgst_minor == 0 && inv.sgst_minor == 0) {
        out.push(("IGST 18%".into(), format!("{cur} {}", rupees(inv.igst_minor))));
    } else {
        out.push(("CGST 9%".into(), format!("{cur} {}", rupees(inv.cgst_minor))));
        out.push(("SGST 9%".into(), format!("{cur} {}", rupees(inv.sgst_minor))));
    }
    out.push(("Total".into(), format!("{cur} {}", rupees(inv.total_minor))));
    out
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// The HTML view, under the customer's `product` name.
pub fn html(inv: &InvoiceView, product: &str) -> String {
    let rows = lines(inv, product);
    let mut body = String::new();
    for (label, value) in rows.iter().skip(1) {
        body.push_str(&format!("<tr><th>{}</th><td>{}</td></tr>", escape_html(label), escape_html(value)));
    }
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:720px;margin:2rem auto;color:#111}}\
         th{{text-align:left;padding:.3rem 1rem .3rem 0;color:#555;font-weight:500}}td{{padding:.3rem 0}}</style></head>\
         <body><h1>{t}</h1><table>{body}</table></body></html>",
        t = escape_html(&rows[0].0)
    )
}

/// Text a PDF string can hold (Latin-1 printable, parentheses escaped).
fn pdf_text(s: &str) -> String {
    s.chars()
        .map(|c| if (' '..='~').contains(&c) { c } else { '?' })
        .collect::<String>()
        .replace('\\', "\\\\")
        .replace('(', "\\(")
        .replace(')', "\\)")
}

/// The PDF (one A4 page), under the customer's `product` name.
pub fn pdf(inv: &InvoiceView, product: &str) -> Vec<u8> {
    let rows = lines(inv, product);
    let mut content = String::from("BT /F1 18 Tf 56 780 Td (");
    content.push_str(&pdf_text(&rows[0].0));
    content.push_str(") Tj ET\n");
    let mut y = 740;
    for (label, value) in rows.iter().skip(1) {
        content.push_str(&format!("BT /F1 10 Tf 56 {y} Td ({}) Tj ET\n", pdf_text(label)));
        content.push_str(&format!("BT /F1 10 Tf 200 {y} Td ({}) Tj ET\n", pdf_text(value)));
        y -= 18;
    }
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_owned(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rupees_group_the_indian_way() {
        assert_eq!(rupees(117_882), "1,178.82");
        assert_eq!(rupees(5), "0.05");
        assert_eq!(rupees(123_456_789), "12,34,567.89");
        assert_eq!(rupees(99_900), "999.00");
    }
}
