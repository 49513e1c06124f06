-- Drip sequences and scheduled messages: timers kept as rows with a due
-- time (one index each), never as live actors, so 100,000 waiting contacts
-- cost rows, not memory.

-- A drip is a campaign of kind 'drip': its settings (exit rules, re-entry,
-- enrolment by tag) in `drip`, its steps in drip_steps by version.
ALTER TABLE campaigns ADD COLUMN kind text NOT NULL DEFAULT 'broadcast' CHECK (kind IN ('broadcast', 'drip'));
ALTER TABLE campaigns ADD COLUMN drip jsonb;
ALTER TABLE campaigns ADD COLUMN drip_version integer NOT NULL DEFAULT 0;
CREATE INDEX campaigns_enroll_on_tag_idx ON campaigns (tenant_id) WHERE kind = 'drip' AND status IN ('running', 'paused');

-- Broadcasts only: the campaign runner never drives a drip.
CREATE OR REPLACE FUNCTION active_campaigns()
RETURNS TABLE (tenant_id uuid, id uuid, status text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT c.tenant_id, c.id, c.status FROM campaigns c JOIN tenants t ON t.id = c.tenant_id
    WHERE c.kind = 'broadcast'
      AND (c.status = 'running' OR (c.status = 'scheduled' AND c.scheduled_at <= now()))
      AND t.status NOT IN ('suspended', 'restricted')
$$;

-- One step of one version. An edit writes a whole new version; a contact
-- waiting at a step keeps the row it got (step_id), new arrivals get the
-- current version's.
CREATE TABLE drip_steps (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    campaign_id uuid NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    version     integer NOT NULL,
    position    integer NOT NULL CHECK (position >= 0),
    -- {name, delay_seconds, delay_from, send_window, template, variables, session_message, condition}
    spec        jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (campaign_id, version, position)
);
SELECT wf_protect_tenant_table('drip_steps');

-- A contact's way through a sequence: waiting for `position` (its version
-- `step_id`) until `due_at`; `claimed` while a step is being handed over.
CREATE TABLE drip_enrollments (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    campaign_id uuid NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    contact_id  uuid NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    state       text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'completed', 'exited')),
    position    integer NOT NULL DEFAULT 0,
    step_id     uuid REFERENCES drip_steps(id) ON DELETE SET NULL,
    due_at      timestamptz,
    claimed     boolean NOT NULL DEFAULT false,
    enrolled_at timestamptz NOT NULL,
    ended_at    timestamptz,
    exit_reason text,
    source      text NOT NULL DEFAULT 'api',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
SELECT wf_protect_tenant_table('drip_enrollments');
CREATE UNIQUE INDEX drip_enrollments_one_active ON drip_enrollments (campaign_id, contact_id) WHERE state = 'active';
CREATE INDEX drip_enrollments_due_idx ON drip_enrollments (due_at) WHERE state = 'active' AND NOT claimed;
CREATE INDEX drip_enrollments_campaign_idx ON drip_enrollments (campaign_id, created_at, id);
CREATE INDEX drip_enrollments_contact_idx ON drip_enrollments (tenant_id, contact_id, campaign_id);

-- What each step did for each contact: handed over (its message), skipped
-- (why) or being handed over ('sending': a crash re-sends it under the same
-- key, which finds the stored message).
CREATE TABLE drip_sends (
    id            uuid PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    campaign_id   uuid NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    enrollment_id uuid NOT NULL REFERENCES drip_enrollments(id) ON DELETE CASCADE,
    position      integer NOT NULL,
    step_id       uuid REFERENCES drip_steps(id) ON DELETE SET NULL,
    status        text NOT NULL CHECK (status IN ('sending', 'queued', 'skipped')),
    skip_reason   text,
    sent_as       text CHECK (sent_as IN ('template', 'session')),
    message_id    uuid,
    due_at        timestamptz,
    handed_at     timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (enrollment_id, position)
);
SELECT wf_protect_tenant_table('drip_sends');
CREATE INDEX drip_sends_message_idx ON drip_sends (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX drip_sends_sending_idx ON drip_sends (tenant_id) WHERE status = 'sending';
CREATE INDEX drip_sends_campaign_idx ON drip_sends (campaign_id, position);

-- A message an agent (or the API) wrote now to go out later.
CREATE TABLE scheduled_messages (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    send_at         timestamptz NOT NULL,
    kind            text NOT NULL,
    content         jsonb NOT NULL,
    fallback        jsonb,
    status          text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'sending', 'sent', 'cancelled', 'failed')),
    sent_as         text CHECK (sent_as IN ('session', 'template')),
    message_id      uuid,
    error           text,
    created_by      uuid REFERENCES users(id) ON DELETE SET NULL,
    -- Who the message goes out as (the sender a send now would name).
    sent_by         jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
SELECT wf_protect_tenant_table('scheduled_messages');
CREATE INDEX scheduled_messages_due_idx ON scheduled_messages (send_at) WHERE status IN ('scheduled', 'sending');
CREATE INDEX scheduled_messages_conversation_idx ON scheduled_messages (conversation_id, created_at DESC);

-- The timers due at `p_now` across tenants (accounts that may send):
-- ('drip', tenant, campaign) for each running sequence with a contact due
-- or a step left half handed over, ('scheduled', tenant, message) for each
-- scheduled message due or left sending.
CREATE FUNCTION due_timers(p_now timestamptz, p_limit integer)
RETURNS TABLE (kind text, tenant_id uuid, id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    (SELECT DISTINCT 'drip', c.tenant_id, c.id FROM campaigns c JOIN tenants t ON t.id = c.tenant_id
      WHERE c.kind = 'drip' AND c.status = 'running' AND t.status NOT IN ('suspended', 'restricted')
        AND (EXISTS (SELECT 1 FROM drip_enrollments e WHERE e.campaign_id = c.id AND e.state = 'active' AND NOT e.claimed AND e.due_at <= p_now)
             OR EXISTS (SELECT 1 FROM drip_sends s WHERE s.campaign_id = c.id AND s.status = 'sending')))
    UNION ALL
    (SELECT 'scheduled', s.tenant_id, s.id FROM scheduled_messages s JOIN tenants t ON t.id = s.tenant_id
      WHERE s.status IN ('scheduled', 'sending') AND s.send_at <= p_now AND t.status NOT IN ('suspended', 'restricted')
      ORDER BY s.send_at LIMIT p_limit)
$$;
REVOKE EXECUTE ON FUNCTION due_timers(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION due_timers(timestamptz, integer) TO whatsflow_app;

-- The next moment a timer falls due (NULL: none waits).
CREATE FUNCTION next_timer_due()
RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT least(
        (SELECT e.due_at FROM drip_enrollments e
          WHERE e.state = 'active' AND NOT e.claimed AND e.due_at IS NOT NULL
            AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = e.campaign_id AND c.status = 'running')
          ORDER BY e.due_at LIMIT 1),
        (SELECT min(send_at) FROM scheduled_messages WHERE status = 'scheduled'))
$$;
REVOKE EXECUTE ON FUNCTION next_timer_due() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION next_timer_due() TO whatsflow_app;

-- A running or paused sequence listens to replies (exit on reply),
-- contact changes (exit rules, enrolment by tag) and failed sends (exit on
-- a permanent failure).
CREATE OR REPLACE FUNCTION internal_wants(p_tenant uuid, p_type text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT EXISTS (SELECT 1 FROM automation_rules r WHERE r.tenant_id = p_tenant AND r.enabled AND p_type = ANY(r.sources))
        OR (p_type = 'message.received' AND EXISTS (SELECT 1 FROM business_hours b WHERE b.tenant_id = p_tenant AND b.away_enabled))
        OR (p_type IN ('message.received', 'conversation.updated')
            AND EXISTS (SELECT 1 FROM teamwork_settings s WHERE s.tenant_id = p_tenant AND s.csat_enabled))
        OR (p_type IN ('message.received', 'contact.updated', 'message.status')
            AND EXISTS (SELECT 1 FROM campaigns c WHERE c.tenant_id = p_tenant AND c.kind = 'drip' AND c.status IN ('running', 'paused')))
$$;
