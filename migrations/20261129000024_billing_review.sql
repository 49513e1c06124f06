-- Review mends for billing and the wallet.

-- A send key held before, released (its send never stored), holds again
-- under the same guard; one already charged is a repeat of a sent message.
CREATE OR REPLACE FUNCTION wallet_reserve(p_tenant uuid, p_key text, p_amount bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    st text;
BEGIN
    SELECT status INTO st FROM wallet_reservations WHERE tenant_id = p_tenant AND send_key = p_key FOR UPDATE;
    IF st IN ('reserved', 'debited') THEN
        RETURN true;
    END IF;
    UPDATE wallets SET reserved_e4 = reserved_e4 + p_amount, updated_at = now()
    WHERE tenant_id = p_tenant AND balance_e4 - reserved_e4 >= p_amount;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF st = 'released' THEN
        UPDATE wallet_reservations SET status = 'reserved', amount_e4 = p_amount, debited_e4 = NULL, created_at = now(), settled_at = NULL
        WHERE tenant_id = p_tenant AND send_key = p_key;
    ELSE
        INSERT INTO wallet_reservations (tenant_id, send_key, amount_e4) VALUES (p_tenant, p_key, p_amount);
    END IF;
    RETURN true;
END
$$;

-- A priced delivery no hold covered (a flow's template) is charged to a
-- wallet all the same, as far as its free balance goes (once per send).
CREATE FUNCTION wallet_charge_unheld(p_tenant uuid, p_key text, p_cost bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    w record;
    debit bigint;
BEGIN
    SELECT * INTO w FROM wallets WHERE tenant_id = p_tenant FOR UPDATE;
    IF NOT FOUND OR EXISTS (SELECT 1 FROM wallet_reservations WHERE tenant_id = p_tenant AND send_key = p_key) THEN
        RETURN;
    END IF;
    debit := LEAST(p_cost, w.balance_e4 - w.reserved_e4);
    UPDATE wallets SET balance_e4 = balance_e4 - debit, updated_at = now() WHERE tenant_id = p_tenant;
    INSERT INTO wallet_reservations (tenant_id, send_key, amount_e4, status, debited_e4, settled_at)
    VALUES (p_tenant, p_key, 0, 'debited', debit, now());
    INSERT INTO wallet_ledger (tenant_id, kind, amount_e4, balance_after_e4, send_key, note)
    VALUES (p_tenant, 'debit', -debit, w.balance_e4 - debit, p_key,
            CASE WHEN debit < p_cost THEN 'not held before sending; charged ' || debit || ' of a cost of ' || p_cost ELSE 'not held before sending' END);
END
$$;
REVOKE EXECUTE ON FUNCTION wallet_charge_unheld(uuid, text, bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION meter_message() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    v_at timestamptz;
    v_day date;
    v_category text;
    v_kind text;
    v_phone text;
    v_contact uuid;
    v_cost bigint;
    v_key text;
    rate record;
BEGIN
    v_key := COALESCE(NEW.client_id, 'message:' || NEW.id::text);
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
            ON CONFLICT (message_id) DO NOTHING
            RETURNING amount_e4 INTO v_cost;
        END IF;
    END IF;
    IF EXISTS (SELECT 1 FROM wallet_reservations w WHERE w.tenant_id = NEW.tenant_id AND w.send_key = v_key AND w.status = 'reserved') THEN
        PERFORM wallet_settle(ARRAY[NEW.id]);
    ELSIF v_cost > 0 THEN
        PERFORM wallet_charge_unheld(NEW.tenant_id, v_key, v_cost);
    END IF;
    RETURN NULL;
END
$$;

-- Settling looks holds up by the message's send key (as above).
CREATE OR REPLACE FUNCTION wallet_settle(p_messages uuid[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    r record;
    w record;
    debit bigint;
BEGIN
    FOR r IN
        SELECT wr.tenant_id, wr.send_key, wr.amount_e4, m.status, uc.amount_e4 AS cost
          FROM messages m
          JOIN wallet_reservations wr ON wr.tenant_id = m.tenant_id AND wr.send_key = COALESCE(m.client_id, 'message:' || m.id::text)
                                     AND wr.status = 'reserved'
          LEFT JOIN usage_costs uc ON uc.message_id = m.id
         WHERE m.id = ANY(p_messages) AND (m.status = 'failed' OR uc.message_id IS NOT NULL)
         ORDER BY wr.tenant_id
           FOR UPDATE OF wr
    LOOP
        SELECT * INTO w FROM wallets WHERE tenant_id = r.tenant_id FOR UPDATE;
        IF r.status = 'failed' AND r.cost IS NULL THEN
            UPDATE wallets SET reserved_e4 = reserved_e4 - r.amount_e4, updated_at = now() WHERE tenant_id = r.tenant_id;
            UPDATE wallet_reservations SET status = 'released', settled_at = now() WHERE tenant_id = r.tenant_id AND send_key = r.send_key;
            INSERT INTO wallet_ledger (tenant_id, kind, amount_e4, balance_after_e4, send_key)
            VALUES (r.tenant_id, 'release', r.amount_e4, w.balance_e4, r.send_key);
        ELSE
            debit := LEAST(r.cost, w.balance_e4 - (w.reserved_e4 - r.amount_e4));
            UPDATE wallets SET balance_e4 = balance_e4 - debit, reserved_e4 = reserved_e4 - r.amount_e4, updated_at = now()
            WHERE tenant_id = r.tenant_id;
            UPDATE wallet_reservations SET status = 'debited', debited_e4 = debit, settled_at = now()
            WHERE tenant_id = r.tenant_id AND send_key = r.send_key;
            INSERT INTO wallet_ledger (tenant_id, kind, amount_e4, balance_after_e4, send_key, note)
            VALUES (r.tenant_id, 'debit', -debit, w.balance_e4 - debit, r.send_key,
                    CASE WHEN debit < r.cost THEN 'charged ' || debit || ' of a cost of ' || r.cost ELSE NULL END);
        END IF;
    END LOOP;
END
$$;

-- Raw webhooks erased for a contact: only those of the tenant's own numbers,
-- and only where a field names the contact exactly.
DROP FUNCTION erase_inbox_mentions(text[]);
CREATE FUNCTION erase_inbox_mentions(p_fields text[], p_numbers text[]) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    WITH hit AS (
        UPDATE webhook_inbox SET body = convert_to('{"erased":true}', 'UTF8')
        WHERE processed_at IS NOT NULL
          AND EXISTS (SELECT 1 FROM unnest(p_numbers) n WHERE position(convert_to('"phone_number_id":"' || n || '"', 'UTF8') in body) > 0)
          AND EXISTS (SELECT 1 FROM unnest(p_fields) f WHERE position(convert_to(f, 'UTF8') in body) > 0)
        RETURNING 1)
    SELECT count(*) FROM hit
$$;
REVOKE EXECUTE ON FUNCTION erase_inbox_mentions(text[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erase_inbox_mentions(text[], text[]) TO whatsflow_app;

-- A subscription that ended (cancelled, completed, expired) and whose paid
-- time is over takes its plan with it: the tenant moves to `p_plan`.
CREATE FUNCTION billing_lapse_plans(p_plan text) RETURNS SETOF uuid
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    WITH lapsed AS (
        SELECT DISTINCT ON (s.tenant_id) s.tenant_id, s.plan_code, s.status, s.current_end
          FROM subscriptions s ORDER BY s.tenant_id, s.created_at DESC),
    moved AS (
        UPDATE tenants t SET plan_code = p_plan
          FROM lapsed l
         WHERE t.id = l.tenant_id AND t.kind = 'business' AND t.plan_code = l.plan_code AND t.plan_code <> p_plan
           AND l.status IN ('cancelled', 'completed', 'expired') AND COALESCE(l.current_end, '-infinity') <= now()
        RETURNING t.id)
    SELECT id FROM moved
$$;
REVOKE EXECUTE ON FUNCTION billing_lapse_plans(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION billing_lapse_plans(text) TO whatsflow_app;
