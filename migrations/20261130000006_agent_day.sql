-- The agent's day: what happened to a conversation (assignments, status,
-- team, the bot's hand-off and its pauses) kept as its activity, how
-- conversations get an assignee without a person choosing, each number's
-- quality and messaging tier, and invitations by email.

-- Who made the change being written (a person), read once by the activity
-- trigger and never kept: the trigger clears it on every tracked change.
ALTER TABLE conversations ADD COLUMN changed_by uuid;

CREATE TABLE conversation_activity (
    id               bigserial PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    conversation_id  uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    -- assigned, unassigned, team_changed, resolved, reopened, pending,
    -- handoff, bot_paused, bot_resumed.
    kind             text NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),
    -- For people: the assignee's or team's name, the bot's hand-off note.
    detail           text CHECK (length(detail) <= 1024),
    -- The person who did it (NULL: the system, a rule, the bot, the customer).
    actor_id         uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversation_activity_conversation_idx ON conversation_activity (conversation_id, id);
CREATE INDEX conversation_activity_tenant_idx ON conversation_activity (tenant_id, created_at);
SELECT wf_protect_tenant_table('conversation_activity');
GRANT USAGE, SELECT ON SEQUENCE conversation_activity_id_seq TO whatsflow_app;

-- Records assignments, team moves and status changes whoever writes them
-- (an agent, a rule, the router, the bot, a customer reopening).
CREATE FUNCTION conversation_activity_record() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE actor uuid := (SELECT u.id FROM users u WHERE u.id = NEW.changed_by AND u.tenant_id = NEW.tenant_id);
BEGIN
    IF NEW.assignee_id IS DISTINCT FROM OLD.assignee_id THEN
        INSERT INTO conversation_activity (tenant_id, conversation_id, kind, detail, actor_id)
        VALUES (NEW.tenant_id, NEW.id,
                CASE WHEN NEW.assignee_id IS NULL THEN 'unassigned' ELSE 'assigned' END,
                (SELECT left(u.name, 1024) FROM users u WHERE u.id = NEW.assignee_id), actor);
    END IF;
    IF NEW.team_id IS DISTINCT FROM OLD.team_id THEN
        INSERT INTO conversation_activity (tenant_id, conversation_id, kind, detail, actor_id)
        VALUES (NEW.tenant_id, NEW.id, 'team_changed', (SELECT left(t.name, 1024) FROM teams t WHERE t.id = NEW.team_id), actor);
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        INSERT INTO conversation_activity (tenant_id, conversation_id, kind, actor_id)
        VALUES (NEW.tenant_id, NEW.id,
                CASE WHEN NEW.status IN ('resolved', 'closed') THEN 'resolved'
                     WHEN OLD.status IN ('resolved', 'closed') THEN 'reopened'
                     ELSE NEW.status END, actor);
    END IF;
    NEW.changed_by := NULL;
    RETURN NEW;
END $$;
CREATE TRIGGER conversations_activity BEFORE UPDATE ON conversations FOR EACH ROW
    WHEN (NEW.changed_by IS NOT NULL OR NEW.assignee_id IS DISTINCT FROM OLD.assignee_id
          OR NEW.team_id IS DISTINCT FROM OLD.team_id OR NEW.status IS DISTINCT FROM OLD.status)
    EXECUTE FUNCTION conversation_activity_record();

-- Assignment without a person choosing: when the bot hands a conversation
-- over, and when an agent answers one nobody holds.
ALTER TABLE teamwork_settings
    ADD COLUMN assign_on_handoff boolean NOT NULL DEFAULT true,
    ADD COLUMN assign_on_first_reply boolean NOT NULL DEFAULT true;

-- A number's standing with Meta: its quality rating (GREEN, YELLOW, RED,
-- UNKNOWN) as read from the Graph API, and its messaging tier and latest
-- quality event as phone_number_quality_update webhooks report them.
ALTER TABLE channels
    ADD COLUMN quality_rating text CHECK (length(quality_rating) <= 40),
    ADD COLUMN messaging_tier text CHECK (length(messaging_tier) <= 40),
    ADD COLUMN quality_event text CHECK (length(quality_event) <= 40),
    ADD COLUMN quality_updated_at timestamptz;

-- An invitation by email is a mailed token like a password reset: the
-- invitee chooses their own password through it (which also proves the
-- address). Until then the user has an unusable password.
ALTER TABLE auth_tokens DROP CONSTRAINT auth_tokens_purpose_check;
ALTER TABLE auth_tokens ADD CONSTRAINT auth_tokens_purpose_check CHECK (purpose IN ('password_reset', 'email_verification', 'invitation'));
