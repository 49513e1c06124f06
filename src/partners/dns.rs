//! Proof that a partner controls a domain: a TXT record
//! `_whatsflow.<domain>` holding `whatsflow-verify=<token>`, looked up over
//! UDP from the nameserver the configuration names (the machine's resolver
//! by default; tests point it at a local DNS server).

use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use std::net::SocketAddr;
use std::time::Duration;

/// How long one query may take.
const QUERY_TIMEOUT: Duration = Duration::from_secs(2);
/// Queries sent before giving up (UDP may drop one).
const ATTEMPTS: usize = 2;

/// Why a lookup gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum DnsError {
    /// The name is not one DNS can carry.
    #[error("{0} is not a DNS name")]
    BadName(String),
    /// The nameserver did not answer in time.
    #[error("the nameserver {0} did not answer")]
    NoAnswer(SocketAddr),
    /// The nameserver answered with an error.
    #[error("the nameserver answered {0}")]
    Refused(String),
    /// The socket failed.
    #[error("DNS query failed: {0}")]
    Io(#[from] std::io::Error),
    /// The answer could not be read.
    #[error("DNS answer unreadable: {0}")]
    Proto(String),
}

/// The record a partner creates for `domain`.
pub fn record_name(domain: &str) -> String {
    format!("_whatsflow.{domain}")
}

/// The value that record must hold.
pub fn record_value(token: &str) -> String {
    format!("whatsflow-verify={token}")
}

/// The first nameserver of `/etc/resolv.conf` (port 53), for when none is configured.
pub fn system_nameserver() -> Option<SocketAddr> {
    let conf = std::fs::read_to_string("/etc/resolv.conf").ok()?;
    conf.lines().find_map(|l| {
        let ip = l.trim().strip_prefix("nameserver")?.trim();
        ip.parse::<std::net::IpAddr>().ok().map(|ip| SocketAddr::new(ip, 53))
    })
}

/// The TXT strings published at `name` (each record's strings joined).
/// A name that does not exist has none.
pub async fn txt_records(server: SocketAddr, name: &str) -> Result<Vec<String>, DnsError> {
    let qname = Name::from_ascii(format!("{name}.")).map_err(|_| DnsError::BadName(name.to_owned()))?;
    let id: u16 = rand::random();
    let mut query = Message::new();
    query.set_id(id).set_message_type(MessageType::Query).set_op_code(OpCode::Query).set_recursion_desired(true);
    query.add_query(Query::query(qname, RecordType::TXT));
    let bytes = query.to_vec().map_err(|e| DnsError::Proto(e.to_string()))?;
    let bind: SocketAddr = if server.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { (std::net::Ipv6Addr::UNSPECIFIED, 0).into() };
    let socket = tokio::net::UdpSocket::bind(bind).await?;
    socket.connect(server).await?;
    let mut buf = vec![0u8; 4096];
    for _ in 0..ATTEMPTS {
        socket.send(&bytes).await?;
        let deadline = tokio::time::Instant::now() + QUERY_TIMEOUT;
        loop {
            let Ok(got) = tokio::time::timeout_at(deadline, socket.recv(&mut buf)).await else { break };
            let n = got?;
            let Ok(answer) = Message::from_vec(&buf[..n]) else { continue };
            // Someone else's answer (a late reply to an earlier query): wait on.
            if answer.id() != id || answer.message_type() != MessageType::Response {
                continue;
            }
            return match answer.response_code() {
                ResponseCode::NoError => Ok(answer
                    .answers()
                    .iter()
                    .filter_map(|r| match r.data() {
                        Some(RData::TXT(txt)) => {
                            Some(txt.txt_data().iter().map(|part| String::from_utf8_lossy(part).into_owned()).collect::<String>())
                        }
                        _ => None,
                    })
                    .collect()),
                ResponseCode::NXDomain => Ok(Vec::new()),
                other => Err(DnsError::Refused(other.to_string())),
            };
        }
    }
    Err(DnsError::NoAnswer(server))
}
