-- Outbound messaging: idempotent sends, internal notes, conversation tags,
-- and the send rate in channel routing.

-- A sender's idempotency key: one message per key per tenant, whatever the
-- retries (REST Idempotency-Key / socket client_id).
ALTER TABLE messages ADD COLUMN client_id text;
CREATE UNIQUE INDEX messages_client_id_key ON messages (tenant_id, client_id) WHERE client_id IS NOT NULL;
-- Outbound messages still waiting for Meta's wamid (re-queued at start-up).
CREATE INDEX messages_pending_outbound_idx ON messages (tenant_id, created_at) WHERE direction = 'outbound' AND wamid IS NULL AND status = 'pending';

ALTER TABLE conversations ADD COLUMN tags text[] NOT NULL DEFAULT '{}';

-- Internal notes: seen by agents, never sent to the customer.
CREATE TABLE notes (
    id               uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    conversation_id  uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    author_id        uuid REFERENCES users(id) ON DELETE SET NULL,
    body             text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notes_conversation_idx ON notes (tenant_id, conversation_id, created_at);
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON notes USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());

DROP FUNCTION route_channel(text);
CREATE FUNCTION route_channel(p_phone_number_id text)
RETURNS TABLE (tenant_id uuid, channel_id uuid, messages_per_second integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT c.tenant_id, c.id, c.messages_per_second FROM channels c WHERE c.phone_number_id = p_phone_number_id
$$;

-- Pending sends across tenants, for the outboxes at start-up.
CREATE FUNCTION pending_outbound()
RETURNS TABLE (tenant_id uuid, message_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT m.tenant_id, m.id FROM messages m
    WHERE m.direction = 'outbound' AND m.wamid IS NULL AND m.status = 'pending'
    ORDER BY m.created_at
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON notes TO whatsflow_app;
GRANT EXECUTE ON FUNCTION route_channel(text) TO whatsflow_app;
GRANT EXECUTE ON FUNCTION pending_outbound() TO whatsflow_app;
