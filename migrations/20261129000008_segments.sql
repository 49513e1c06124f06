-- Saved contact filters: a rule tree over tags, custom fields, consent,
-- numbers, last inbound time and conversation status, evaluated when it is
-- counted, previewed or used as a campaign's audience (never cached).
CREATE TABLE segments (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    -- {"all": […]} | {"any": […]} of {"field", "op", "value"} conditions.
    rule        jsonb NOT NULL,
    created_by  uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX segments_name_key ON segments (tenant_id, lower(name));
SELECT wf_protect_tenant_table('segments');

-- Segment rules look up a contact's conversations (channel, status, last
-- inbound). Tags are tested on the tenant's contacts row by row: a GIN index
-- would cost every inbound message's contact upsert more than it saves here.
CREATE INDEX IF NOT EXISTS conversations_contact_idx ON conversations (contact_id);
