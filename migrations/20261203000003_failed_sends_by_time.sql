-- A running campaign (and a drip) checks twice a second whether Meta
-- refused one of its sends in a way that must stop it. The check read every
-- recipient of the campaign and looked up its message (53 ms a call at
-- 30,000 recipients); failed sends are few, so it now starts from the
-- tenant's sends that failed since the campaign last started and looks up
-- their recipient. Only failed rows enter this index, and it depends on
-- `failed_at` (set once), not on `status`, so the statuses that follow a
-- send (sent, delivered, read) change no column it depends on.
CREATE INDEX messages_failed_idx ON messages (tenant_id, failed_at) WHERE failed_at IS NOT NULL AND direction = 'outbound';
