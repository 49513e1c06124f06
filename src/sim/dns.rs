//! A DNS server over UDP that answers TXT queries from the records it is
//! given (NXDOMAIN for any other name), as a domain's nameserver would: the
//! stand-in the domain-verification tests point the server at.

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::TXT;
use hickory_proto::rr::{RData, Record, RecordType};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

/// The records it serves, by lower-case name without the final dot.
#[derive(Debug, Default, Clone)]
pub struct DnsSim {
    records: Arc<Mutex<HashMap<String, Vec<String>>>>,
}

impl DnsSim {
    /// Publishes `value` as a TXT record at `name` (next to any others).
    pub fn add_txt(&self, name: &str, value: &str) {
        let mut records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        records.entry(name.trim_end_matches('.').to_ascii_lowercase()).or_default().push(value.to_owned());
    }

    /// Removes every record at `name`.
    pub fn clear(&self, name: &str) {
        self.records.lock().unwrap_or_else(PoisonError::into_inner).remove(&name.trim_end_matches('.').to_ascii_lowercase());
    }

    fn answer(&self, query: &Message) -> Message {
        let mut reply = Message::new();
        reply.set_id(query.id()).set_message_type(MessageType::Response).set_op_code(query.op_code()).set_authoritative(true);
        reply.add_queries(query.queries().to_vec());
        let records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        let mut found = false;
        for q in query.queries() {
            let name = q.name().to_ascii().trim_end_matches('.').to_ascii_lowercase();
            if let Some(values) = records.get(&name) {
                found = true;
                if q.query_type() == RecordType::TXT {
                    for v in values {
                        reply.add_answer(Record::from_rdata(q.name().clone(), 60, RData::TXT(TXT::new(vec![v.clone()]))));
                    }
                }
            }
        }
        if !found {
            reply.set_response_code(ResponseCode::NXDomain);
        }
        reply
    }
}

/// Serves `sim` on a UDP socket bound to `bind`; returns its address.
pub async fn start(bind: SocketAddr, sim: DnsSim) -> std::io::Result<SocketAddr> {
    let socket = tokio::net::UdpSocket::bind(bind).await?;
    let addr = socket.local_addr()?;
    tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        loop {
            let Ok((n, peer)) = socket.recv_from(&mut buf).await else { continue };
            let Ok(query) = Message::from_vec(&buf[..n]) else { continue };
            if let Ok(bytes) = sim.answer(&query).to_vec() {
                let _ = socket.send_to(&bytes, peer).await;
            }
        }
    });
    Ok(addr)
}
