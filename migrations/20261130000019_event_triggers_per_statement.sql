-- A customer's first message, cheaper for Postgres. A burst of new
-- customers inserts its contacts and its conversations with one statement
-- each, and usually nothing wants their `contact.created` and
-- `conversation.created` events (most tenants have no endpoint or rule
-- listening). Row triggers still paid, for every new row, a PL/pgSQL call
-- that built the event's data and then asked, through SQL functions planned
-- again on every call, whether anyone wanted it: a third of Postgres's time
-- at one event per POST (BENCHMARKS.md, "Where Postgres's time goes").
--
-- Now statement triggers over the inserted rows ask once per tenant and
-- statement, and build events only when something wants them; the helpers
-- that ask are PL/pgSQL, whose plans a session keeps; and `webhook_emit`
-- draws an event id only for an event that goes somewhere. Events, their
-- payloads and their order are unchanged.

-- Whether the tenant's own consumers want events of a type.
CREATE OR REPLACE FUNCTION internal_wants(p_tenant uuid, p_type text) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM automation_rules r WHERE r.tenant_id = p_tenant AND r.enabled AND p_type = ANY(r.sources))
        OR (p_type = 'message.received' AND EXISTS (SELECT 1 FROM business_hours b WHERE b.tenant_id = p_tenant AND b.away_enabled))
        OR (p_type IN ('message.received', 'conversation.updated')
            AND EXISTS (SELECT 1 FROM teamwork_settings s WHERE s.tenant_id = p_tenant AND s.csat_enabled))
        OR (p_type IN ('message.received', 'contact.updated', 'message.status')
            AND EXISTS (SELECT 1 FROM campaigns c WHERE c.tenant_id = p_tenant AND c.kind = 'drip' AND c.status IN ('running', 'paused')));
END
$$;

-- Whether a tenant's endpoints want events of a type.
CREATE FUNCTION endpoints_want(p_tenant uuid, p_type text) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM outbound_webhooks e WHERE e.tenant_id = p_tenant AND e.enabled AND p_type = ANY(e.events));
END
$$;
REVOKE EXECUTE ON FUNCTION endpoints_want(uuid, text) FROM PUBLIC;

-- Whether anything (an endpoint or an internal consumer) wants a type.
CREATE OR REPLACE FUNCTION event_wanted(p_tenant uuid, p_type text) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
BEGIN
    RETURN endpoints_want(p_tenant, p_type) OR internal_wants(p_tenant, p_type);
END
$$;

-- An event to the tenant's subscribed endpoints and, when they want it, to
-- its own consumers (of statuses, only failures interest them).
CREATE OR REPLACE FUNCTION webhook_emit(p_tenant uuid, p_type text, p_data jsonb) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    v_event uuid;
    v_n integer := 0;
    v_internal boolean;
BEGIN
    -- Called in a tenant's transaction, it emits for that tenant only.
    IF app_tenant() IS NOT NULL AND app_tenant() <> p_tenant THEN
        RAISE EXCEPTION 'webhook_emit for another tenant' USING ERRCODE = '42501';
    END IF;
    v_internal := (p_type <> 'message.status' OR p_data->>'status' = 'failed') AND internal_wants(p_tenant, p_type);
    IF NOT v_internal AND NOT endpoints_want(p_tenant, p_type) THEN
        RETURN 0;
    END IF;
    v_event := gen_random_uuid();
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
    IF v_internal THEN
        INSERT INTO tenant_events (tenant_id, type, data) VALUES (p_tenant, p_type, p_data || jsonb_build_object('event_id', v_event));
        PERFORM pg_notify('tenant_events', '');
    END IF;
    RETURN v_n;
END
$$;

-- New contacts, per statement: `contact.created` for each, in the order
-- they were inserted, when the tenant wants it.
CREATE FUNCTION webhook_on_new_contacts() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    v_tenant uuid;
    r contacts;
BEGIN
    FOR v_tenant IN SELECT DISTINCT n.tenant_id FROM new_contacts n LOOP
        CONTINUE WHEN NOT event_wanted(v_tenant, 'contact.created');
        FOR r IN SELECT * FROM new_contacts n WHERE n.tenant_id = v_tenant LOOP
            PERFORM webhook_emit(v_tenant, 'contact.created', webhook_contact_data(r));
        END LOOP;
    END LOOP;
    RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION webhook_on_new_contacts() FROM PUBLIC;
DROP TRIGGER contacts_webhook_new ON contacts;
CREATE TRIGGER contacts_webhook_new AFTER INSERT ON contacts REFERENCING NEW TABLE AS new_contacts
    FOR EACH STATEMENT EXECUTE FUNCTION webhook_on_new_contacts();

-- New conversations, per statement: `conversation.created` for each.
CREATE FUNCTION webhook_on_new_conversations() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    v_tenant uuid;
    r conversations;
BEGIN
    FOR v_tenant IN SELECT DISTINCT n.tenant_id FROM new_conversations n LOOP
        CONTINUE WHEN NOT event_wanted(v_tenant, 'conversation.created');
        FOR r IN SELECT * FROM new_conversations n WHERE n.tenant_id = v_tenant LOOP
            PERFORM webhook_emit(v_tenant, 'conversation.created', webhook_conversation_data(r));
        END LOOP;
    END LOOP;
    RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION webhook_on_new_conversations() FROM PUBLIC;
DROP TRIGGER conversations_webhook_new ON conversations;
CREATE TRIGGER conversations_webhook_new AFTER INSERT ON conversations REFERENCING NEW TABLE AS new_conversations
    FOR EACH STATEMENT EXECUTE FUNCTION webhook_on_new_conversations();
