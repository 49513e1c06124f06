-- Teams: groups of agents that conversations belong to, each with its way
-- of assigning waiting conversations to its online members.
CREATE TABLE teams (
    id                  uuid PRIMARY KEY,
    tenant_id           uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    -- manual: nobody is picked; round_robin: the online member assigned
    -- longest ago; least_busy: the online member with fewest open conversations.
    assignment          text NOT NULL DEFAULT 'round_robin' CHECK (assignment IN ('manual', 'round_robin', 'least_busy')),
    -- Most open conversations a member is given automatically (NULL: no cap).
    max_open_per_agent  integer CHECK (max_open_per_agent BETWEEN 1 AND 1000),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX teams_name_key ON teams (tenant_id, lower(name));
SELECT wf_protect_tenant_table('teams');

CREATE TABLE team_members (
    tenant_id         uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    team_id           uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id           uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- When the team last gave this member a conversation (round robin).
    last_assigned_at  timestamptz,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_tenant_idx ON team_members (tenant_id, user_id);
SELECT wf_protect_tenant_table('team_members');

-- Since when a person's presence is what it is (reassignment after a long absence).
ALTER TABLE users ADD COLUMN presence_at timestamptz NOT NULL DEFAULT now();

ALTER TABLE conversations ADD COLUMN team_id uuid REFERENCES teams(id) ON DELETE SET NULL;
CREATE INDEX conversations_team_idx ON conversations (tenant_id, team_id) WHERE team_id IS NOT NULL;
-- Waiting conversations of teams that assign (the router's sweep).
CREATE INDEX conversations_team_held_idx ON conversations (team_id) WHERE assignee_id IS NOT NULL AND status IN ('open', 'pending') AND team_id IS NOT NULL;
CREATE INDEX conversations_team_waiting_idx ON conversations (team_id) WHERE assignee_id IS NULL AND status IN ('open', 'pending') AND team_id IS NOT NULL;

-- The teams, across tenants, with work for the router: conversations
-- waiting for a member, or held by a member offline for longer than p_absent.
CREATE FUNCTION teams_to_route(p_absent interval) RETURNS TABLE (tenant_id uuid, team_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.tenant_id, t.id FROM teams t
    WHERE t.assignment <> 'manual'
      AND (EXISTS (SELECT 1 FROM conversations c WHERE c.team_id = t.id AND c.assignee_id IS NULL AND c.status IN ('open', 'pending'))
           OR EXISTS (SELECT 1 FROM conversations c JOIN users u ON u.id = c.assignee_id
                      WHERE c.team_id = t.id AND c.tenant_id = t.tenant_id AND c.assignee_id IS NOT NULL AND c.status IN ('open', 'pending')
                        AND u.presence = 'offline' AND u.presence_at < now() - p_absent))
$$;
REVOKE EXECUTE ON FUNCTION teams_to_route(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION teams_to_route(interval) TO whatsflow_app;

-- Team changes reach outbound webhooks as assignments.
DROP TRIGGER conversations_webhook_change ON conversations;
CREATE OR REPLACE FUNCTION webhook_on_conversation() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM webhook_emit(NEW.tenant_id, 'conversation.created', webhook_conversation_data(NEW));
    ELSE
        IF NEW.assignee_id IS DISTINCT FROM OLD.assignee_id OR NEW.team_id IS DISTINCT FROM OLD.team_id THEN
            PERFORM webhook_emit(NEW.tenant_id, 'conversation.assigned',
                webhook_conversation_data(NEW) || jsonb_build_object('previous_assignee_id', OLD.assignee_id, 'previous_team_id', OLD.team_id));
        END IF;
        IF NEW.status IS DISTINCT FROM OLD.status THEN
            PERFORM webhook_emit(NEW.tenant_id, 'conversation.updated',
                webhook_conversation_data(NEW) || jsonb_build_object('previous_status', OLD.status));
        END IF;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER conversations_webhook_change AFTER UPDATE OF status, assignee_id, team_id ON conversations FOR EACH ROW
    WHEN (NEW.status IS DISTINCT FROM OLD.status OR NEW.assignee_id IS DISTINCT FROM OLD.assignee_id OR NEW.team_id IS DISTINCT FROM OLD.team_id)
    EXECUTE FUNCTION webhook_on_conversation();
CREATE OR REPLACE FUNCTION webhook_conversation_data(c conversations) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT jsonb_build_object(
        'id', c.id, 'channel_id', c.channel_id, 'status', c.status, 'assignee_id', c.assignee_id, 'team_id', c.team_id,
        'created_at', c.created_at, 'updated_at', c.updated_at,
        'contact', (SELECT jsonb_build_object('id', k.id, 'phone', k.phone, 'name', k.name) FROM contacts k WHERE k.id = c.contact_id))
$$;

-- Canned replies: shared (owner NULL) or one person's own, called up in the
-- composer by their /shortcut.
CREATE TABLE canned_replies (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    owner_id    uuid REFERENCES users(id) ON DELETE CASCADE,
    shortcut    text NOT NULL CHECK (shortcut ~ '^[a-z0-9][a-z0-9_-]{0,31}$'),
    text        text NOT NULL CHECK (length(text) BETWEEN 1 AND 4096),
    -- {"type": image|document|video|audio, "link", "filename"?}
    attachment  jsonb,
    created_by  uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX canned_replies_shared_key ON canned_replies (tenant_id, shortcut) WHERE owner_id IS NULL;
CREATE UNIQUE INDEX canned_replies_personal_key ON canned_replies (tenant_id, owner_id, shortcut) WHERE owner_id IS NOT NULL;
SELECT wf_protect_tenant_table('canned_replies');
