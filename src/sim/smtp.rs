//! A local SMTP receiver (the mail sink): speaks enough SMTP (RFC 5321:
//! EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) to accept what the server
//! sends, keeps every mail (headers, decoded text body), and serves them
//! over HTTP (`GET /mails`) for tests and browser scenarios. `demo` runs it
//! and prints each mail it receives; `whatsflow mail-sink` runs it alone.

use actix_web::{web, App, HttpResponse, HttpServer};
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Largest mail accepted (bytes).
const MAX_MAIL: usize = 1024 * 1024;

/// One mail received.
#[derive(Debug, Clone, Serialize)]
pub struct Mail {
    /// Envelope sender.
    pub from: String,
    /// Envelope recipients.
    pub to: Vec<String>,
    /// The Subject header.
    pub subject: String,
    /// The body, decoded (quoted-printable undone).
    pub body: String,
    /// When.
    pub received_at: chrono::DateTime<chrono::Utc>,
}

/// The sink's mailbox.
#[derive(Default)]
pub struct Mailbox {
    mails: Mutex<Vec<Mail>>,
    echo: bool,
}

impl Mailbox {
    /// Every mail so far.
    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().map(|m| m.clone()).unwrap_or_default()
    }

    fn keep(&self, mail: Mail) {
        if self.echo {
            println!("\n── mail to {} ── {}\n{}\n", mail.to.join(", "), mail.subject, mail.body.trim_end());
        }
        if let Ok(mut m) = self.mails.lock() {
            m.push(mail);
        }
    }
}

/// A running sink.
pub struct MailSink {
    /// Its mailbox.
    pub mailbox: Arc<Mailbox>,
    /// The SMTP address (`SMTP_URL=smtp://{addr}`).
    pub smtp_addr: SocketAddr,
}

impl MailSink {
    /// `SMTP_URL` for it.
    pub fn smtp_url(&self) -> String {
        format!("smtp://{}", self.smtp_addr)
    }
}

/// Undoes quoted-printable (soft line breaks and `=XX`).
fn decode_qp(s: &str) -> String {
    let joined = s.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits a mail's data into its Subject and decoded body.
fn parse(data: &str) -> (String, String) {
    let (head, body) = data.split_once("\r\n\r\n").or_else(|| data.split_once("\n\n")).unwrap_or((data, ""));
    let mut subject = String::new();
    let mut qp = false;
    let mut b64 = false;
    for line in head.lines() {
        let lower = line.to_ascii_lowercase();
        if let Some(v) = line.strip_prefix("Subject:") {
            subject = v.trim().to_owned();
        }
        if lower.starts_with("content-transfer-encoding:") {
            qp = lower.contains("quoted-printable");
            b64 = lower.contains("base64");
        }
    }
    let body = if qp {
        decode_qp(body)
    } else if b64 {
        use base64::Engine;
        let compact: String = body.split_whitespace().collect();
        base64::engine::general_purpose::STANDARD.decode(compact).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
    } else {
        body.to_owned()
    };
    (subject, body)
}

async fn session(stream: tokio::net::TcpStream, mailbox: Arc<Mailbox>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 whatsflow mail sink ESMTP\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let upper = line.trim_end().to_ascii_uppercase();
        let arg = |prefix: &str| line.trim_end()[prefix.len()..].trim().trim_start_matches('<').trim_end_matches('>').to_owned();
        if upper.starts_with("EHLO") {
            write.write_all(b"250-whatsflow mail sink\r\n250-8BITMIME\r\n250 SIZE 1048576\r\n").await?;
        } else if upper.starts_with("HELO") {
            write.write_all(b"250 whatsflow mail sink\r\n").await?;
        } else if upper.starts_with("MAIL FROM:") {
            from = arg("MAIL FROM:").split_whitespace().next().unwrap_or_default().trim_end_matches('>').to_owned();
            to.clear();
            write.write_all(b"250 OK\r\n").await?;
        } else if upper.starts_with("RCPT TO:") {
            to.push(arg("RCPT TO:"));
            write.write_all(b"250 OK\r\n").await?;
        } else if upper == "DATA" {
            write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                // Dot-stuffing (RFC 5321 §4.5.2).
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
                if data.len() > MAX_MAIL {
                    write.write_all(b"552 Message too large\r\n").await?;
                    return Ok(());
                }
            }
            let (subject, body) = parse(&data);
            mailbox.keep(Mail { from: from.clone(), to: std::mem::take(&mut to), subject, body, received_at: chrono::Utc::now() });
            write.write_all(b"250 OK: queued\r\n").await?;
        } else if upper == "RSET" {
            from.clear();
            to.clear();
            write.write_all(b"250 OK\r\n").await?;
        } else if upper == "NOOP" {
            write.write_all(b"250 OK\r\n").await?;
        } else if upper == "QUIT" {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            write.write_all(b"502 Command not implemented\r\n").await?;
        }
    }
}

/// Starts the SMTP side on `listener`; `echo` prints each mail.
pub fn start(listener: std::net::TcpListener, echo: bool) -> std::io::Result<MailSink> {
    listener.set_nonblocking(true)?;
    let smtp_addr = listener.local_addr()?;
    let listener = TcpListener::from_std(listener)?;
    let mailbox = Arc::new(Mailbox { mails: Mutex::new(Vec::new()), echo });
    let mb = mailbox.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let mb = mb.clone();
            tokio::spawn(async move {
                if let Err(e) = session(stream, mb).await {
                    tracing::debug!(error = %e, "mail sink session");
                }
            });
        }
    });
    Ok(MailSink { mailbox, smtp_addr })
}

async fn list(mailbox: web::Data<Arc<Mailbox>>) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"data": mailbox.mails()}))
}

/// Serves the mailbox over HTTP (`GET /mails`) on `listener`.
pub fn serve_http(listener: std::net::TcpListener, mailbox: Arc<Mailbox>) -> std::io::Result<actix_web::dev::ServerHandle> {
    let data = web::Data::new(mailbox);
    let server =
        HttpServer::new(move || App::new().app_data(data.clone()).route("/mails", web::get().to(list))).workers(1).listen(listener)?.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    Ok(handle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_bodies_are_decoded() {
        let data = "Subject: Reset your password\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nOpen http://x/reset?token=3Dab=\r\ncd and go=\r\n";
        let (subject, body) = parse(data);
        assert_eq!(subject, "Reset your password");
        assert_eq!(body, "Open http://x/reset?token=abcd and go");
    }
}
