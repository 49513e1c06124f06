//! One send rate per number across the cluster: the number's bucket lives
//! in Redis as a GCRA (generic cell rate algorithm) timestamp, taken from
//! atomically by a Lua script on Redis's own clock, so several nodes
//! together never exceed the number's messages per second. The live-lane
//! reserve works as in one node's outbox: bulk sends never use the last
//! `reserve` places of the burst, so a live reply goes out at once.

use super::lease::Leases;
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use whatsflow_actors::ids::ChannelId;
use whatsflow_actors::outbound::{bulk_burst, SharedRate};

/// Grants up to ARGV[3] sends: each moves the number's theoretical arrival
/// time (TAT, µs) on by the interval, while TAT stays within the tolerance
/// of now. Answers {granted, µs to wait when none was}.
const TAKE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local granted = 0
while granted < n and tat - now <= tolerance do
  tat = tat + interval
  granted = granted + 1
end
if granted > 0 then
  redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.floor((tat - now) / 1000) + 1000)
  return {granted, 0}
end
return {0, tat - tolerance - now}
";

/// See the module doc.
pub struct RedisRate {
    client: redis::Client,
    conn: Mutex<Option<redis::aio::ConnectionManager>>,
    script: redis::Script,
    nodes: Arc<dyn Fn() -> u32 + Send + Sync>,
    /// After a failure Redis is not asked again before this (outboxes pace
    /// at their share meanwhile, without waiting on timeouts).
    down_until: std::sync::Mutex<Option<std::time::Instant>>,
}

/// How long Redis is left alone after it failed to answer.
const RETRY_AFTER: Duration = Duration::from_secs(2);

impl RedisRate {
    /// The shared rate on `client`'s Redis; `leases` says how many nodes
    /// share a number when Redis cannot be reached.
    pub fn new(client: redis::Client, leases: Arc<Leases>) -> Self {
        Self::counting(client, Arc::new(move || leases.live_nodes()))
    }

    /// The shared rate, with `nodes` saying how many nodes share a number.
    pub fn counting(client: redis::Client, nodes: Arc<dyn Fn() -> u32 + Send + Sync>) -> Self {
        Self { client, conn: Mutex::new(None), script: redis::Script::new(TAKE), nodes, down_until: std::sync::Mutex::new(None) }
    }

    fn resting(&self) -> bool {
        self.down_until.lock().unwrap_or_else(|e| e.into_inner()).is_some_and(|t| std::time::Instant::now() < t)
    }

    fn failed(&self, e: impl ToString) -> String {
        *self.down_until.lock().unwrap_or_else(|e| e.into_inner()) = Some(std::time::Instant::now() + RETRY_AFTER);
        e.to_string()
    }

    async fn connection(&self) -> Result<redis::aio::ConnectionManager, String> {
        if let Some(c) = self.conn.lock().await.as_ref() {
            return Ok(c.clone());
        }
        // Connected outside the lock: outboxes asking meanwhile do not
        // queue behind a slow connect.
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_response_timeout(Some(Duration::from_millis(500)))
            .set_connection_timeout(Some(Duration::from_millis(500)))
            .set_number_of_retries(1);
        let c = self.client.get_connection_manager_with_config(config).await.map_err(|e| self.failed(e))?;
        let mut conn = self.conn.lock().await;
        Ok(conn.get_or_insert(c).clone())
    }
}

/// The interval between sends (µs) and the tolerance of a lane (µs): bulk
/// may run ahead by its burst (less the send itself), an urgent send by the
/// reserve too.
pub fn gcra_params(rate: f64, reserve: f64, urgent: bool) -> (u64, u64) {
    let interval = (1_000_000.0 / rate.max(0.001)).round().max(1.0) as u64;
    let ahead = bulk_burst(rate) - 1.0 + if urgent { reserve.max(0.0) } else { 0.0 };
    (interval, (ahead * interval as f64).round() as u64)
}

#[async_trait]
impl SharedRate for RedisRate {
    async fn take(&self, channel: ChannelId, rate: f64, reserve: f64, urgent: bool, n: u32) -> Result<(u32, Duration), String> {
        if self.resting() {
            return Err("Redis did not answer a moment ago".into());
        }
        let mut conn = self.connection().await?;
        let (interval, tolerance) = gcra_params(rate, reserve, urgent);
        let (granted, wait_us): (u32, i64) = self
            .script
            .key(format!("wf:rate:{}", channel.0))
            .arg(interval)
            .arg(tolerance)
            .arg(n.max(1))
            .invoke_async(&mut conn)
            .await
            .map_err(|e| self.failed(e))?;
        Ok((granted, Duration::from_micros(u64::try_from(wait_us).unwrap_or(0))))
    }

    fn nodes(&self) -> u32 {
        (self.nodes)()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_never_uses_the_reserve_and_live_may() {
        assert_eq!(gcra_params(80.0, 4.0, false), (12_500, 0));
        assert_eq!(gcra_params(80.0, 4.0, true), (12_500, 50_000));
        // At 1,000 per second bulk may run 9 sends ahead (a burst of 10, so
        // a late wake-up still sends what the rate allowed meanwhile).
        assert_eq!(gcra_params(1000.0, 50.0, false), (1_000, 9_000));
        assert_eq!(gcra_params(1000.0, 50.0, true), (1_000, 59_000));
    }
}
