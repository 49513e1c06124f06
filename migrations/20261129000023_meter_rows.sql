-- The meter, made cheap for the ingest path: instead of statement triggers
-- that copy every stored message into a transition table, row triggers whose
-- WHEN clause (evaluated without a function call) lets through only the few
-- rows that change a count: a conversation's first inbound message of a
-- month, and an outbound message's first delivery (with its pricing) or
-- failure.

DROP TRIGGER messages_meter_inbound ON messages;
DROP TRIGGER messages_meter_delivered ON messages;
DROP FUNCTION meter_inbound();
DROP FUNCTION meter_delivered();

-- A customer who wrote counts in the month of their message.
CREATE FUNCTION meter_conversation() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    INSERT INTO usage_users (tenant_id, period, contact_id, first_at, via)
    VALUES (NEW.tenant_id, date_trunc('month', NEW.last_inbound_at AT TIME ZONE 'UTC')::date, NEW.contact_id, NEW.last_inbound_at, 'inbound')
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER conversations_meter_new AFTER INSERT ON conversations FOR EACH ROW
    WHEN (NEW.last_inbound_at IS NOT NULL) EXECUTE FUNCTION meter_conversation();
CREATE TRIGGER conversations_meter_month AFTER UPDATE OF last_inbound_at ON conversations FOR EACH ROW
    WHEN (NEW.last_inbound_at IS NOT NULL AND (OLD.last_inbound_at IS NULL
          OR date_trunc('month', NEW.last_inbound_at AT TIME ZONE 'UTC') <> date_trunc('month', OLD.last_inbound_at AT TIME ZONE 'UTC')))
    EXECUTE FUNCTION meter_conversation();

-- Our message delivered (a read or played status implies delivery): the
-- customer counts in the month of delivery and the message's cost is
-- written once, from Meta's pricing, at the rate in force on its delivery
-- day (the tenant's own card before the platform's, the longest matching
-- calling-code prefix first; 0 unless Meta's type is `regular`). Delivered
-- or failed, a wallet hold under its send key is settled.
CREATE FUNCTION meter_message() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    v_at timestamptz;
    v_day date;
    v_category text;
    v_kind text;
    v_phone text;
    v_contact uuid;
    rate record;
BEGIN
    IF NEW.status IN ('delivered', 'read', 'played') THEN
        v_at := COALESCE(NEW.delivered_at, NEW.read_at, now());
        v_day := (v_at AT TIME ZONE 'UTC')::date;
        SELECT c.contact_id, k.phone INTO v_contact, v_phone FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE c.id = NEW.conversation_id;
        INSERT INTO usage_users (tenant_id, period, contact_id, first_at, via)
        VALUES (NEW.tenant_id, date_trunc('month', v_day)::date, v_contact, v_at, 'delivered')
        ON CONFLICT DO NOTHING;
        IF NEW.pricing IS NOT NULL THEN
            v_category := replace(lower(COALESCE(NEW.pricing ->> 'category', 'unknown')), '-', '_');
            v_kind := CASE WHEN NEW.pricing ? 'type' THEN replace(lower(NEW.pricing ->> 'type'), '-', '_')
                         WHEN NEW.pricing ->> 'billable' = 'false' THEN 'free'
                         ELSE 'regular' END;
            SELECT rc.country_prefix, rc.currency, rc.rate_e4 INTO rate FROM rate_cards rc
             WHERE rc.category = v_category AND (rc.tenant_id IS NULL OR rc.tenant_id = NEW.tenant_id) AND rc.effective_from <= v_day
               AND (rc.country_prefix = '*' OR ltrim(COALESCE(v_phone, ''), '+') LIKE rc.country_prefix || '%')
             ORDER BY rc.tenant_id IS NULL, rc.country_prefix = '*', length(rc.country_prefix) DESC, rc.effective_from DESC
             LIMIT 1;
            INSERT INTO usage_costs (message_id, tenant_id, period, day, category, pricing_type, country_prefix, currency, amount_e4)
            VALUES (NEW.id, NEW.tenant_id, date_trunc('month', v_day)::date, v_day, v_category, v_kind, COALESCE(rate.country_prefix, '*'),
                    COALESCE(rate.currency, 'INR'), CASE WHEN v_kind = 'regular' THEN COALESCE(rate.rate_e4, 0) ELSE 0 END)
            ON CONFLICT (message_id) DO NOTHING;
        END IF;
    END IF;
    IF NEW.client_id IS NOT NULL
       AND EXISTS (SELECT 1 FROM wallet_reservations w WHERE w.tenant_id = NEW.tenant_id AND w.send_key = NEW.client_id AND w.status = 'reserved') THEN
        PERFORM wallet_settle(ARRAY[NEW.id]);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER messages_meter AFTER UPDATE OF status, pricing ON messages FOR EACH ROW
    WHEN (NEW.direction = 'outbound' AND (
          (NEW.status IN ('delivered', 'read', 'played')
           AND (OLD.status NOT IN ('delivered', 'read', 'played') OR (NEW.pricing IS NOT NULL AND OLD.pricing IS NULL)))
          OR (NEW.status = 'failed' AND OLD.status <> 'failed')))
    EXECUTE FUNCTION meter_message();
REVOKE EXECUTE ON FUNCTION meter_conversation(), meter_message() FROM PUBLIC;
