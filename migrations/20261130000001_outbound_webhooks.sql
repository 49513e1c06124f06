-- Outbound webhooks: a tenant's endpoints subscribe to event types; every
-- event is written as one delivery row per subscribed endpoint in the same
-- transaction as the change it reports (so a crash loses none), then a
-- worker posts them, signed, oldest first per endpoint, retrying with
-- backoff for about a day.

CREATE TABLE outbound_webhooks (
    id               uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    url              text NOT NULL CHECK (length(url) BETWEEN 8 AND 2048),
    description      text NOT NULL DEFAULT '' CHECK (length(description) <= 200),
    events           text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 32),
    -- The signing secret, AES-256-GCM sealed (shown once, on creation).
    secret_enc       bytea NOT NULL,
    enabled          boolean NOT NULL DEFAULT true,
    -- Why it was switched off (by an admin, or by a day of failures).
    disabled_reason  text,
    -- Since when every attempt failed (NULL: the last attempt succeeded).
    failing_since    timestamptz,
    created_by       uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbound_webhooks_tenant_idx ON outbound_webhooks (tenant_id, created_at);
SELECT wf_protect_tenant_table('outbound_webhooks');

-- One event for one endpoint. `seq` orders an endpoint's deliveries: only
-- the oldest pending one of an endpoint is attempted.
CREATE TABLE webhook_deliveries (
    id               uuid PRIMARY KEY,
    seq              bigserial NOT NULL,
    tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    endpoint_id      uuid NOT NULL REFERENCES outbound_webhooks(id) ON DELETE CASCADE,
    -- The same for every endpoint (and for a replay): receivers deduplicate on it.
    event_id         uuid NOT NULL,
    event_type       text NOT NULL,
    -- {"id", "type", "created_at", "tenant_id", "data"}: the body as sent.
    payload          jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    -- A worker holds the delivery until then (a crashed worker's claim lapses).
    locked_until     timestamptz,
    first_attempt_at timestamptz,
    last_status      integer,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz
);
CREATE INDEX webhook_deliveries_tenant_idx ON webhook_deliveries (tenant_id, endpoint_id, seq DESC);
CREATE INDEX webhook_deliveries_finished_idx ON webhook_deliveries (finished_at) WHERE status <> 'pending';
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (endpoint_id, seq) WHERE status = 'pending';
SELECT wf_protect_tenant_table('webhook_deliveries');

-- Every attempt, for the endpoint's log.
CREATE TABLE webhook_attempts (
    id                uuid PRIMARY KEY,
    tenant_id         uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    endpoint_id       uuid NOT NULL REFERENCES outbound_webhooks(id) ON DELETE CASCADE,
    delivery_id       uuid NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempt           integer NOT NULL,
    at                timestamptz NOT NULL DEFAULT now(),
    status_code       integer,
    latency_ms        integer NOT NULL,
    error             text,
    response_excerpt  text
);
CREATE INDEX webhook_attempts_endpoint_idx ON webhook_attempts (endpoint_id, at DESC, id DESC);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id);
SELECT wf_protect_tenant_table('webhook_attempts');

-- Writes one event for every enabled endpoint of the tenant subscribed to
-- its type; the number of deliveries made. Runs as the owner so that
-- triggers fired by cross-tenant maintenance (no app.tenant_id) still emit.
CREATE FUNCTION webhook_emit(p_tenant uuid, p_type text, p_data jsonb) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    v_event uuid := gen_random_uuid();
    v_n integer;
BEGIN
    INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_id, event_type, payload)
    SELECT gen_random_uuid(), p_tenant, e.id, v_event, p_type,
           jsonb_build_object('id', v_event, 'type', p_type, 'created_at', now(), 'tenant_id', p_tenant, 'data', p_data)
    FROM outbound_webhooks e
    WHERE e.tenant_id = p_tenant AND e.enabled AND p_type = ANY(e.events)
    ORDER BY e.id;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    IF v_n > 0 THEN
        -- Wakes the delivery workers at commit (once per transaction).
        PERFORM pg_notify('webhook_deliveries', '');
    END IF;
    RETURN v_n;
END
$$;
REVOKE EXECUTE ON FUNCTION webhook_emit(uuid, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION webhook_emit(uuid, text, jsonb) TO whatsflow_app;

-- A conversation as events describe it.
CREATE FUNCTION webhook_conversation_data(c conversations) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT jsonb_build_object(
        'id', c.id, 'channel_id', c.channel_id, 'status', c.status, 'assignee_id', c.assignee_id,
        'created_at', c.created_at, 'updated_at', c.updated_at,
        'contact', (SELECT jsonb_build_object('id', k.id, 'phone', k.phone, 'name', k.name) FROM contacts k WHERE k.id = c.contact_id))
$$;
REVOKE EXECUTE ON FUNCTION webhook_conversation_data(conversations) FROM PUBLIC;

-- A contact as events describe it.
CREATE FUNCTION webhook_contact_data(k contacts) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object('id', k.id, 'phone', k.phone, 'name', k.name, 'tags', k.tags,
                              'custom_fields', k.custom_fields, 'opted_in', k.opted_in,
                              'created_at', k.created_at, 'updated_at', k.updated_at)
$$;

-- Events that come from rows changing rarely are emitted by triggers (the
-- per-message events are emitted by the batch writer, which knows whether
-- the tenant has endpoints at all before it spends a statement on them).
CREATE FUNCTION webhook_on_conversation() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM webhook_emit(NEW.tenant_id, 'conversation.created', webhook_conversation_data(NEW));
    ELSE
        IF NEW.assignee_id IS DISTINCT FROM OLD.assignee_id THEN
            PERFORM webhook_emit(NEW.tenant_id, 'conversation.assigned',
                webhook_conversation_data(NEW) || jsonb_build_object('previous_assignee_id', OLD.assignee_id));
        END IF;
        IF NEW.status IS DISTINCT FROM OLD.status THEN
            PERFORM webhook_emit(NEW.tenant_id, 'conversation.updated',
                webhook_conversation_data(NEW) || jsonb_build_object('previous_status', OLD.status));
        END IF;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER conversations_webhook_new AFTER INSERT ON conversations FOR EACH ROW EXECUTE FUNCTION webhook_on_conversation();
CREATE TRIGGER conversations_webhook_change AFTER UPDATE OF status, assignee_id ON conversations FOR EACH ROW
    WHEN (NEW.status IS DISTINCT FROM OLD.status OR NEW.assignee_id IS DISTINCT FROM OLD.assignee_id)
    EXECUTE FUNCTION webhook_on_conversation();

CREATE FUNCTION webhook_on_contact() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    PERFORM webhook_emit(NEW.tenant_id, CASE WHEN TG_OP = 'INSERT' THEN 'contact.created' ELSE 'contact.updated' END,
                         webhook_contact_data(NEW));
    RETURN NULL;
END
$$;
CREATE TRIGGER contacts_webhook_new AFTER INSERT ON contacts FOR EACH ROW EXECUTE FUNCTION webhook_on_contact();
CREATE TRIGGER contacts_webhook_change AFTER UPDATE ON contacts FOR EACH ROW
    WHEN (NEW.phone IS DISTINCT FROM OLD.phone OR NEW.name IS DISTINCT FROM OLD.name OR NEW.tags IS DISTINCT FROM OLD.tags
          OR NEW.custom_fields IS DISTINCT FROM OLD.custom_fields OR NEW.opted_in IS DISTINCT FROM OLD.opted_in)
    EXECUTE FUNCTION webhook_on_contact();

CREATE FUNCTION webhook_on_flow_run() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    PERFORM webhook_emit(NEW.tenant_id, 'flow.completed', jsonb_build_object(
        'run_id', NEW.id, 'flow_id', NEW.flow_id, 'conversation_id', NEW.conversation_id, 'version', NEW.version, 'variables', NEW.vars, 'ended_at', NEW.ended_at));
    RETURN NULL;
END
$$;
CREATE TRIGGER flow_runs_webhook_completed_new AFTER INSERT ON flow_runs FOR EACH ROW
    WHEN (NEW.status = 'completed') EXECUTE FUNCTION webhook_on_flow_run();
CREATE TRIGGER flow_runs_webhook_completed AFTER UPDATE OF status ON flow_runs FOR EACH ROW
    WHEN (NEW.status = 'completed' AND OLD.status <> 'completed') EXECUTE FUNCTION webhook_on_flow_run();

CREATE FUNCTION webhook_on_campaign() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    PERFORM webhook_emit(NEW.tenant_id, 'campaign.finished', jsonb_build_object(
        'id', NEW.id, 'name', NEW.name, 'status', NEW.status, 'completed_at', NEW.completed_at,
        'counts', (SELECT jsonb_object_agg(s, n) FROM (SELECT r.status AS s, count(*) AS n FROM campaign_recipients r
                                                        WHERE r.campaign_id = NEW.id GROUP BY r.status) x)));
    RETURN NULL;
END
$$;
CREATE TRIGGER campaigns_webhook_finished AFTER UPDATE OF status ON campaigns FOR EACH ROW
    WHEN (NEW.status IN ('completed', 'cancelled') AND OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION webhook_on_campaign();

REVOKE EXECUTE ON FUNCTION webhook_on_conversation(), webhook_on_contact(), webhook_on_flow_run(), webhook_on_campaign() FROM PUBLIC;

-- The deliveries due now, one per enabled endpoint (its oldest pending),
-- claimed for `p_lease` so that no other worker takes them meanwhile.
CREATE FUNCTION webhook_claim_due(p_limit integer, p_lease interval)
RETURNS TABLE (id uuid, tenant_id uuid, endpoint_id uuid, event_id uuid, event_type text, attempts integer, payload jsonb,
               first_attempt_at timestamptz, url text, secret_enc bytea, failing_since timestamptz, locked_until timestamptz)
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    WITH heads AS (
        SELECT h.id FROM outbound_webhooks e
        CROSS JOIN LATERAL (SELECT d.id, d.next_attempt_at, d.locked_until FROM webhook_deliveries d
                            WHERE d.endpoint_id = e.id AND d.status = 'pending' ORDER BY d.seq LIMIT 1) h
        WHERE e.enabled AND h.next_attempt_at <= now() AND (h.locked_until IS NULL OR h.locked_until < now())
        ORDER BY h.next_attempt_at
        LIMIT p_limit
    )
    UPDATE webhook_deliveries d SET locked_until = now() + p_lease
    FROM heads WHERE d.id = heads.id AND (d.locked_until IS NULL OR d.locked_until < now())
    RETURNING d.id, d.tenant_id, d.endpoint_id, d.event_id, d.event_type, d.attempts, d.payload, d.first_attempt_at,
              (SELECT e.url FROM outbound_webhooks e WHERE e.id = d.endpoint_id),
              (SELECT e.secret_enc FROM outbound_webhooks e WHERE e.id = d.endpoint_id),
              (SELECT e.failing_since FROM outbound_webhooks e WHERE e.id = d.endpoint_id),
              d.locked_until
$$;
REVOKE EXECUTE ON FUNCTION webhook_claim_due(integer, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION webhook_claim_due(integer, interval) TO whatsflow_app;

-- When the next delivery of any endpoint falls due (the worker sleeps until then).
CREATE FUNCTION webhook_next_due() RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT min(GREATEST(h.next_attempt_at, COALESCE(h.locked_until, h.next_attempt_at))) FROM outbound_webhooks e
    CROSS JOIN LATERAL (SELECT d.next_attempt_at, d.locked_until FROM webhook_deliveries d
                        WHERE d.endpoint_id = e.id AND d.status = 'pending' ORDER BY d.seq LIMIT 1) h
    WHERE e.enabled
$$;
REVOKE EXECUTE ON FUNCTION webhook_next_due() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION webhook_next_due() TO whatsflow_app;

-- Retention: finished deliveries (and their attempts) older than the
-- retention go, in batches; pending ones stay whatever their age.
CREATE FUNCTION purge_webhook_deliveries(p_older interval, p_limit integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE v_n integer;
BEGIN
    DELETE FROM webhook_deliveries WHERE id IN (
        SELECT id FROM webhook_deliveries WHERE status <> 'pending' AND finished_at < now() - p_older LIMIT p_limit);
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN v_n;
END
$$;
REVOKE EXECUTE ON FUNCTION purge_webhook_deliveries(interval, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION purge_webhook_deliveries(interval, integer) TO whatsflow_app;

-- Every new message of the given ids (inbound: `message.received`), in
-- conversation order, as an event for the tenant's subscribed endpoints.
CREATE FUNCTION webhook_emit_messages(p_tenant uuid, p_ids uuid[]) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    r record;
    v_n integer := 0;
BEGIN
    FOR r IN SELECT m.*, c.channel_id, k.id AS contact_id, k.phone, k.name FROM messages m
             JOIN conversations c ON c.id = m.conversation_id JOIN contacts k ON k.id = c.contact_id
             WHERE m.tenant_id = p_tenant AND m.id = ANY(p_ids) AND m.direction = 'inbound'
             ORDER BY m.conversation_id, m.seq LOOP
        v_n := v_n + webhook_emit(p_tenant, 'message.received', jsonb_build_object(
            'conversation_id', r.conversation_id, 'channel_id', r.channel_id,
            'contact', jsonb_build_object('id', r.contact_id, 'phone', r.phone, 'name', r.name),
            'message', jsonb_build_object('id', r.id, 'wamid', r.wamid, 'type', r.type, 'content', r.content, 'context', r.context,
                                          'referral', r.referral, 'timestamp', r.timestamp, 'seq', r.seq)));
    END LOOP;
    RETURN v_n;
END
$$;

-- The status each of the given outbound messages has now (`message.status`).
CREATE FUNCTION webhook_emit_statuses(p_tenant uuid, p_ids uuid[]) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    r record;
    v_n integer := 0;
BEGIN
    FOR r IN SELECT m.* FROM messages m WHERE m.tenant_id = p_tenant AND m.id = ANY(p_ids) ORDER BY m.conversation_id, m.status_seq LOOP
        v_n := v_n + webhook_emit(p_tenant, 'message.status', jsonb_build_object(
            'conversation_id', r.conversation_id, 'message_id', r.id, 'wamid', r.wamid, 'client_id', r.client_id,
            'status', r.status, 'errors', r.errors, 'type', r.type));
    END LOOP;
    RETURN v_n;
END
$$;
REVOKE EXECUTE ON FUNCTION webhook_emit_messages(uuid, uuid[]), webhook_emit_statuses(uuid, uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION webhook_emit_messages(uuid, uuid[]), webhook_emit_statuses(uuid, uuid[]) TO whatsflow_app;
