-- The campaign actor holds its pace to what Meta has answered: it counts
-- its recipients handed over in the last seconds whose message is still
-- pending, without reading every recipient of a large campaign.
CREATE INDEX campaign_recipients_recent_idx ON campaign_recipients (campaign_id, updated_at) WHERE status = 'queued';
