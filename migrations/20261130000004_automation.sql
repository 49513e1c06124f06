-- Automation, business hours, CSAT and SLAs.
--
-- Internal events: what outbound webhooks report is also queued for the
-- server's own consumers (automation rules, away messages, the CSAT survey)
-- when the tenant has one that wants it, in the same transaction as the
-- change (so a crash loses none), and consumed in order by the automation
-- worker.

-- Business hours: the account's (team_id NULL) and a team's own, a weekly
-- schedule in a time zone with holidays, and the away message sent outside.
CREATE TABLE business_hours (
    id                uuid PRIMARY KEY,
    tenant_id         uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    team_id           uuid REFERENCES teams(id) ON DELETE CASCADE,
    time_zone         text NOT NULL,
    -- {"mon": [["09:00", "18:00"]], "tue": [...], ...}; a missing day is closed.
    weekly            jsonb NOT NULL,
    -- [{"date": "2026-12-25", "name": "Christmas"}]: closed all day.
    holidays          jsonb NOT NULL DEFAULT '[]',
    away_enabled      boolean NOT NULL DEFAULT false,
    away_message      text CHECK (length(away_message) <= 4096),
    -- At most one away message per conversation in this many hours.
    away_every_hours  integer NOT NULL DEFAULT 24 CHECK (away_every_hours BETWEEN 1 AND 168),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX business_hours_scope_key ON business_hours (tenant_id, COALESCE(team_id, '00000000-0000-0000-0000-000000000000'::uuid));
SELECT wf_protect_tenant_table('business_hours');

-- Teamwork settings of an account: the satisfaction survey.
CREATE TABLE teamwork_settings (
    tenant_id       uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    csat_enabled    boolean NOT NULL DEFAULT false,
    csat_question   text NOT NULL DEFAULT 'How would you rate our support?' CHECK (length(csat_question) BETWEEN 1 AND 1024),
    csat_thanks     text NOT NULL DEFAULT 'Thank you! Anything you would like to add?' CHECK (length(csat_thanks) BETWEEN 1 AND 1024),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
SELECT wf_protect_tenant_table('teamwork_settings');

ALTER TABLE conversations
    ADD COLUMN priority text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    -- The customer's oldest message no agent has answered yet.
    ADD COLUMN awaiting_since timestamptz,
    -- The current episode: opened (created or reopened), first answered, resolved.
    ADD COLUMN opened_at timestamptz,
    ADD COLUMN first_response_at timestamptz,
    ADD COLUMN resolved_at timestamptz,
    -- When an SLA target was missed (first response or resolution), once per episode.
    ADD COLUMN sla_breached_at timestamptz,
    ADD COLUMN sla_breach text CHECK (sla_breach IN ('first_response', 'resolution')),
    -- The last away message (at most one per away_every_hours).
    ADD COLUMN away_sent_at timestamptz,
    -- A satisfaction survey was sent and its answer is awaited until then.
    ADD COLUMN csat_asked_at timestamptz;
UPDATE conversations SET opened_at = created_at;
ALTER TABLE conversations ALTER COLUMN opened_at SET DEFAULT now();
CREATE INDEX conversations_awaiting_idx ON conversations (awaiting_since) WHERE awaiting_since IS NOT NULL;

-- SLA policies: the account's default (team_id NULL) and teams' own.
CREATE TABLE sla_policies (
    id                        uuid PRIMARY KEY,
    tenant_id                 uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    team_id                   uuid REFERENCES teams(id) ON DELETE CASCADE,
    first_response_minutes    integer CHECK (first_response_minutes BETWEEN 1 AND 100000),
    resolution_minutes        integer CHECK (resolution_minutes BETWEEN 1 AND 1000000),
    updated_at                timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX sla_policies_scope_key ON sla_policies (tenant_id, COALESCE(team_id, '00000000-0000-0000-0000-000000000000'::uuid));
SELECT wf_protect_tenant_table('sla_policies');

-- Rollups maintained as events happen (never by scanning messages):
-- each answer to a waiting customer, each resolution, each rating.
CREATE TABLE reply_times (
    id               bigserial PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    conversation_id  uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    agent_id         uuid REFERENCES users(id) ON DELETE SET NULL,
    team_id          uuid REFERENCES teams(id) ON DELETE SET NULL,
    -- The episode's first answer, or a later one.
    first            boolean NOT NULL,
    seconds          double precision NOT NULL CHECK (seconds >= 0),
    at               timestamptz NOT NULL
);
CREATE INDEX reply_times_tenant_idx ON reply_times (tenant_id, at);
SELECT wf_protect_tenant_table('reply_times');

CREATE TABLE resolutions (
    id               bigserial PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    conversation_id  uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    agent_id         uuid REFERENCES users(id) ON DELETE SET NULL,
    team_id          uuid REFERENCES teams(id) ON DELETE SET NULL,
    channel_id       uuid,
    seconds          double precision NOT NULL CHECK (seconds >= 0),
    at               timestamptz NOT NULL
);
CREATE INDEX resolutions_tenant_idx ON resolutions (tenant_id, at);
SELECT wf_protect_tenant_table('resolutions');

CREATE TABLE csat_responses (
    id               uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    conversation_id  uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    agent_id         uuid REFERENCES users(id) ON DELETE SET NULL,
    team_id          uuid REFERENCES teams(id) ON DELETE SET NULL,
    rating           integer NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment          text CHECK (length(comment) <= 4096),
    -- The survey's message: one answer per survey.
    survey_at        timestamptz NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (conversation_id, survey_at)
);
CREATE INDEX csat_responses_tenant_idx ON csat_responses (tenant_id, created_at);
SELECT wf_protect_tenant_table('csat_responses');

-- Conversations opened per day (the over-time chart) are counted from
-- this index at read time; resolutions from `resolutions`.
CREATE INDEX conversations_created_idx ON conversations (tenant_id, created_at);

-- Episode bookkeeping on status changes: a resolution is timed and
-- counted; a reopening starts a new episode.
CREATE FUNCTION conversation_episode() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF NEW.status IN ('resolved', 'closed') THEN
        -- Nobody waits on what is done.
        NEW.awaiting_since := NULL;
    END IF;
    IF NEW.status = 'resolved' AND OLD.status <> 'resolved' THEN
        NEW.resolved_at := now();
        INSERT INTO resolutions (tenant_id, conversation_id, agent_id, team_id, channel_id, seconds, at)
        VALUES (NEW.tenant_id, NEW.id, NEW.assignee_id, NEW.team_id, NEW.channel_id,
                GREATEST(0, extract(epoch FROM now() - COALESCE(NEW.opened_at, NEW.created_at))), now());
    ELSIF NEW.status IN ('open', 'pending') AND OLD.status IN ('resolved', 'closed') THEN
        NEW.opened_at := now();
        NEW.first_response_at := NULL;
        NEW.resolved_at := NULL;
        NEW.sla_breached_at := NULL;
        NEW.sla_breach := NULL;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER conversations_episode BEFORE UPDATE OF status ON conversations FOR EACH ROW
    WHEN (NEW.status IS DISTINCT FROM OLD.status) EXECUTE FUNCTION conversation_episode();

REVOKE EXECUTE ON FUNCTION conversation_episode() FROM PUBLIC;

-- Automation rules: event → conditions → actions, in position order.
CREATE TABLE automation_rules (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    event        text NOT NULL,
    -- The internal event types that can fire it (derived from `event`).
    sources      text[] NOT NULL,
    -- For no_agent_reply: minutes without an answer.
    minutes      integer CHECK (minutes BETWEEN 1 AND 10080),
    conditions   jsonb NOT NULL DEFAULT '{"all": []}',
    actions      jsonb NOT NULL,
    enabled      boolean NOT NULL DEFAULT true,
    position     integer NOT NULL DEFAULT 0,
    created_by   uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX automation_rules_tenant_idx ON automation_rules (tenant_id, position, created_at);
SELECT wf_protect_tenant_table('automation_rules');

-- Every time a rule met an event: matched or not, what its actions did.
CREATE TABLE automation_logs (
    id               uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    rule_id          uuid NOT NULL REFERENCES automation_rules(id) ON DELETE CASCADE,
    event_type       text NOT NULL,
    conversation_id  uuid,
    matched          boolean NOT NULL,
    -- [{"type", "ok", "detail"}]
    actions          jsonb NOT NULL DEFAULT '[]',
    -- Why it was skipped (loop protection) or failed.
    note             text,
    -- The event types its actions cause (loop protection).
    produced         text[] NOT NULL DEFAULT '{}',
    at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX automation_logs_rule_idx ON automation_logs (rule_id, at DESC, id DESC);
CREATE INDEX automation_logs_recent_idx ON automation_logs (conversation_id, rule_id, at DESC) WHERE matched;
SELECT wf_protect_tenant_table('automation_logs');

-- Timed rules (no_agent_reply) fire once per waiting episode.
CREATE TABLE automation_timers_fired (
    tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    rule_id          uuid NOT NULL REFERENCES automation_rules(id) ON DELETE CASCADE,
    conversation_id  uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    since            timestamptz NOT NULL,
    PRIMARY KEY (rule_id, conversation_id, since)
);
SELECT wf_protect_tenant_table('automation_timers_fired');

-- The queue of internal events.
CREATE TABLE tenant_events (
    id               bigserial PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    type             text NOT NULL,
    data             jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    locked_until     timestamptz,
    -- Claims so far: an event failing again and again is dropped (logged).
    attempts         integer NOT NULL DEFAULT 0
);
CREATE INDEX tenant_events_tenant_idx ON tenant_events (tenant_id, id);
SELECT wf_protect_tenant_table('tenant_events');

-- Whether the tenant's own consumers want events of a type.
CREATE FUNCTION internal_wants(p_tenant uuid, p_type text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT EXISTS (SELECT 1 FROM automation_rules r WHERE r.tenant_id = p_tenant AND r.enabled AND p_type = ANY(r.sources))
        OR (p_type = 'message.received' AND EXISTS (SELECT 1 FROM business_hours b WHERE b.tenant_id = p_tenant AND b.away_enabled))
        OR (p_type IN ('message.received', 'conversation.updated')
            AND EXISTS (SELECT 1 FROM teamwork_settings s WHERE s.tenant_id = p_tenant AND s.csat_enabled))
$$;
REVOKE EXECUTE ON FUNCTION internal_wants(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal_wants(uuid, text) TO whatsflow_app;

-- Whether anything (an endpoint or an internal consumer) wants a type.
CREATE FUNCTION event_wanted(p_tenant uuid, p_type text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT EXISTS (SELECT 1 FROM outbound_webhooks e WHERE e.tenant_id = p_tenant AND e.enabled AND p_type = ANY(e.events))
        OR internal_wants(p_tenant, p_type)
$$;
REVOKE EXECUTE ON FUNCTION event_wanted(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION event_wanted(uuid, text) TO whatsflow_app;

-- Events now also reach the internal queue.
CREATE OR REPLACE FUNCTION webhook_emit(p_tenant uuid, p_type text, p_data jsonb) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    v_event uuid := gen_random_uuid();
    v_n integer;
BEGIN
    -- Called in a tenant's transaction, it emits for that tenant only.
    IF app_tenant() IS NOT NULL AND app_tenant() <> p_tenant THEN
        RAISE EXCEPTION 'webhook_emit for another tenant' USING ERRCODE = '42501';
    END IF;
    INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_id, event_type, payload)
    SELECT gen_random_uuid(), p_tenant, e.id, v_event, p_type,
           jsonb_build_object('id', v_event, 'type', p_type, 'created_at', now(), 'tenant_id', p_tenant, 'data', p_data)
    FROM outbound_webhooks e
    WHERE e.tenant_id = p_tenant AND e.enabled AND p_type = ANY(e.events)
    ORDER BY e.id;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    IF v_n > 0 THEN
        PERFORM pg_notify('webhook_deliveries', '');
    END IF;
    -- Of statuses, only failures interest the server's own consumers.
    IF (p_type <> 'message.status' OR p_data->>'status' = 'failed') AND internal_wants(p_tenant, p_type) THEN
        INSERT INTO tenant_events (tenant_id, type, data) VALUES (p_tenant, p_type, p_data || jsonb_build_object('event_id', v_event));
        PERFORM pg_notify('tenant_events', '');
    END IF;
    RETURN v_n;
END
$$;

-- Conversation tags changing (for tag.added rules), and the previous tags
-- of contacts (to tell which tag was added).
CREATE OR REPLACE FUNCTION webhook_on_contact() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM webhook_emit(NEW.tenant_id, 'contact.created', webhook_contact_data(NEW));
    ELSE
        PERFORM webhook_emit(NEW.tenant_id, 'contact.updated', webhook_contact_data(NEW) || jsonb_build_object('previous_tags', OLD.tags));
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION internal_on_conversation_tags() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF internal_wants(NEW.tenant_id, 'conversation.tags') THEN
        INSERT INTO tenant_events (tenant_id, type, data)
        VALUES (NEW.tenant_id, 'conversation.tags', jsonb_build_object('id', NEW.id, 'tags', NEW.tags, 'previous_tags', OLD.tags));
        PERFORM pg_notify('tenant_events', '');
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER conversations_tags_internal AFTER UPDATE OF tags ON conversations FOR EACH ROW
    WHEN (NEW.tags IS DISTINCT FROM OLD.tags) EXECUTE FUNCTION internal_on_conversation_tags();
REVOKE EXECUTE ON FUNCTION internal_on_conversation_tags() FROM PUBLIC;

-- Events due for the automation worker, claimed for p_lease.
CREATE FUNCTION tenant_events_claim(p_limit integer, p_lease interval)
RETURNS TABLE (id bigint, tenant_id uuid, type text, data jsonb, created_at timestamptz, attempts integer)
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    UPDATE tenant_events e SET locked_until = now() + p_lease, attempts = e.attempts + 1
    FROM (SELECT x.id FROM tenant_events x WHERE x.locked_until IS NULL OR x.locked_until < now()
          ORDER BY x.id LIMIT p_limit FOR UPDATE SKIP LOCKED) c
    WHERE e.id = c.id
    RETURNING e.id, e.tenant_id, e.type, e.data, e.created_at, e.attempts
$$;
CREATE FUNCTION tenant_events_done(p_ids bigint[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    DELETE FROM tenant_events WHERE id = ANY(p_ids)
$$;
REVOKE EXECUTE ON FUNCTION tenant_events_claim(integer, interval), tenant_events_done(bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_events_claim(integer, interval), tenant_events_done(bigint[]) TO whatsflow_app;

-- Conversations waiting for an answer longer than a timed rule allows,
-- across tenants: (tenant, rule, conversation, since) not fired yet.
CREATE FUNCTION automation_timers_due(p_now timestamptz)
RETURNS TABLE (tenant_id uuid, rule_id uuid, conversation_id uuid, since timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT r.tenant_id, r.id, c.id, c.awaiting_since FROM automation_rules r
    JOIN conversations c ON c.tenant_id = r.tenant_id AND c.awaiting_since IS NOT NULL AND c.status IN ('open', 'pending')
         AND c.awaiting_since <= p_now - make_interval(mins => r.minutes)
    WHERE r.enabled AND r.event = 'no_agent_reply'
      AND NOT EXISTS (SELECT 1 FROM automation_timers_fired f WHERE f.rule_id = r.id AND f.conversation_id = c.id AND f.since = c.awaiting_since)
    LIMIT 500
$$;
REVOKE EXECUTE ON FUNCTION automation_timers_due(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION automation_timers_due(timestamptz) TO whatsflow_app;

-- SLA breaches as of p_now, across tenants, marked once per episode (the
-- team's policy, else the account's), each with its `sla.breached` event in
-- the same transaction; rows another worker holds are skipped.
CREATE INDEX conversations_sla_open_idx ON conversations (tenant_id) WHERE status IN ('open', 'pending') AND sla_breached_at IS NULL;
CREATE FUNCTION sla_mark_breaches(p_now timestamptz)
RETURNS TABLE (tenant_id uuid, conversation_id uuid, breach text, assignee_id uuid, team_id uuid)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
#variable_conflict use_column
DECLARE
    r record;
BEGIN
    FOR r IN
        WITH due AS (
            SELECT c.id, CASE
                     WHEN p.first_response_minutes IS NOT NULL AND c.first_response_at IS NULL AND c.awaiting_since IS NOT NULL
                          AND c.awaiting_since <= p_now - make_interval(mins => p.first_response_minutes) THEN 'first_response'
                     WHEN p.resolution_minutes IS NOT NULL
                          AND COALESCE(c.opened_at, c.created_at) <= p_now - make_interval(mins => p.resolution_minutes) THEN 'resolution'
                   END AS breach
            FROM (SELECT DISTINCT s.tenant_id FROM sla_policies s) t
            JOIN conversations c ON c.tenant_id = t.tenant_id AND c.status IN ('open', 'pending') AND c.sla_breached_at IS NULL
            CROSS JOIN LATERAL (SELECT s.first_response_minutes, s.resolution_minutes FROM sla_policies s
                                WHERE s.tenant_id = c.tenant_id AND (s.team_id = c.team_id OR s.team_id IS NULL)
                                ORDER BY s.team_id IS NULL LIMIT 1) p
            FOR UPDATE OF c SKIP LOCKED
        )
        UPDATE conversations c SET sla_breached_at = p_now, sla_breach = due.breach
        FROM due WHERE c.id = due.id AND due.breach IS NOT NULL AND c.sla_breached_at IS NULL
        RETURNING c.tenant_id, c.id, c.sla_breach, c.assignee_id, c.team_id
    LOOP
        PERFORM webhook_emit(r.tenant_id, 'sla.breached', jsonb_build_object(
            'conversation_id', r.id, 'breach', r.sla_breach, 'assignee_id', r.assignee_id, 'team_id', r.team_id));
        tenant_id := r.tenant_id; conversation_id := r.id; breach := r.sla_breach; assignee_id := r.assignee_id; team_id := r.team_id;
        RETURN NEXT;
    END LOOP;
END
$$;
REVOKE EXECUTE ON FUNCTION sla_mark_breaches(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sla_mark_breaches(timestamptz) TO whatsflow_app;

-- Purges for what grows with use: rule logs after 90 days, fired timers
-- after 30, rollups and ratings after two years.
CREATE FUNCTION purge_teamwork(p_limit integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE v_n integer := 0; v_m integer;
BEGIN
    DELETE FROM automation_logs WHERE id IN (SELECT id FROM automation_logs WHERE at < now() - interval '90 days' LIMIT p_limit);
    GET DIAGNOSTICS v_m = ROW_COUNT; v_n := v_n + v_m;
    DELETE FROM automation_timers_fired WHERE ctid IN (SELECT ctid FROM automation_timers_fired WHERE since < now() - interval '30 days' LIMIT p_limit);
    GET DIAGNOSTICS v_m = ROW_COUNT; v_n := v_n + v_m;
    DELETE FROM reply_times WHERE id IN (SELECT id FROM reply_times WHERE at < now() - interval '730 days' LIMIT p_limit);
    GET DIAGNOSTICS v_m = ROW_COUNT; v_n := v_n + v_m;
    DELETE FROM resolutions WHERE id IN (SELECT id FROM resolutions WHERE at < now() - interval '730 days' LIMIT p_limit);
    GET DIAGNOSTICS v_m = ROW_COUNT; v_n := v_n + v_m;
    DELETE FROM csat_responses WHERE id IN (SELECT id FROM csat_responses WHERE created_at < now() - interval '730 days' LIMIT p_limit);
    GET DIAGNOSTICS v_m = ROW_COUNT; v_n := v_n + v_m;
    RETURN v_n;
END
$$;
REVOKE EXECUTE ON FUNCTION purge_teamwork(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION purge_teamwork(integer) TO whatsflow_app;
CREATE INDEX automation_logs_at_idx ON automation_logs (at);
CREATE INDEX reply_times_at_idx ON reply_times (at);
CREATE INDEX resolutions_at_idx ON resolutions (at);
