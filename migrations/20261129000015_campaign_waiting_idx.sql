-- The recipients waiting out Meta's per-user marketing limit are found
-- without reading a large campaign's other pending recipients.
CREATE INDEX campaign_recipients_retry_idx ON campaign_recipients (campaign_id, retry_at) WHERE status = 'pending' AND retry_at IS NOT NULL;
