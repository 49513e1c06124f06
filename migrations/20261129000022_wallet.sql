-- A prepaid wallet for Meta's charges (for plans with the `wallet`
-- feature, the AiSensy/WATI model): a paid send reserves its expected cost
-- under its send key, delivery debits the actual cost (the cost ledger's),
-- failure releases it, and stale reservations expire. Amounts are in
-- ten-thousandths (Meta's four decimals). The balance never goes below what
-- is reserved, nor below zero, whatever runs at once: every change is one
-- guarded UPDATE of the wallet's row.

CREATE TABLE wallets (
    tenant_id    uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    balance_e4   bigint NOT NULL DEFAULT 0 CHECK (balance_e4 >= 0),
    reserved_e4  bigint NOT NULL DEFAULT 0 CHECK (reserved_e4 >= 0 AND reserved_e4 <= balance_e4),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE wallet_reservations (
    tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    send_key     text NOT NULL,
    amount_e4    bigint NOT NULL CHECK (amount_e4 >= 0),
    status       text NOT NULL DEFAULT 'reserved' CHECK (status IN ('reserved', 'debited', 'released')),
    debited_e4   bigint,
    created_at   timestamptz NOT NULL DEFAULT now(),
    settled_at   timestamptz,
    PRIMARY KEY (tenant_id, send_key)
);
CREATE INDEX wallet_reservations_open_idx ON wallet_reservations (created_at) WHERE status = 'reserved';

CREATE TABLE wallet_ledger (
    id                bigserial PRIMARY KEY,
    tenant_id         uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    kind              text NOT NULL CHECK (kind IN ('topup', 'debit', 'release', 'adjustment')),
    amount_e4         bigint NOT NULL,
    balance_after_e4  bigint NOT NULL,
    send_key          text,
    payment_id        text,
    note              text,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX wallet_ledger_tenant_idx ON wallet_ledger (tenant_id, id DESC);
-- A payment credits a wallet once.
CREATE UNIQUE INDEX wallet_ledger_payment_key ON wallet_ledger (payment_id) WHERE payment_id IS NOT NULL;

SELECT wf_protect_tenant_table(t) FROM unnest(ARRAY['wallets', 'wallet_reservations', 'wallet_ledger']) AS t;
-- Only these functions move money.
REVOKE INSERT, UPDATE, DELETE ON wallets, wallet_reservations, wallet_ledger FROM whatsflow_app;

-- Credits a wallet (a top-up or an operator's adjustment); once per payment.
-- The new balance, or null when that payment already credited it.
CREATE FUNCTION wallet_credit(p_tenant uuid, p_amount bigint, p_kind text, p_payment text, p_note text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    after bigint;
BEGIN
    IF p_amount <= 0 OR p_kind NOT IN ('topup', 'adjustment') THEN
        RAISE EXCEPTION 'a credit is positive and a top-up or an adjustment';
    END IF;
    IF p_payment IS NOT NULL AND EXISTS (SELECT 1 FROM wallet_ledger WHERE payment_id = p_payment) THEN
        RETURN NULL;
    END IF;
    INSERT INTO wallets (tenant_id, balance_e4) VALUES (p_tenant, p_amount)
    ON CONFLICT (tenant_id) DO UPDATE SET balance_e4 = wallets.balance_e4 + p_amount, updated_at = now()
    RETURNING balance_e4 INTO after;
    INSERT INTO wallet_ledger (tenant_id, kind, amount_e4, balance_after_e4, payment_id, note)
    VALUES (p_tenant, p_kind, p_amount, after, p_payment, p_note);
    RETURN after;
END
$$;

-- Reserves `p_amount` for a send under its key, if the wallet has that much
-- free: true when reserved (or already reserved under that key).
CREATE FUNCTION wallet_reserve(p_tenant uuid, p_key text, p_amount bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM wallet_reservations WHERE tenant_id = p_tenant AND send_key = p_key) THEN
        RETURN true;
    END IF;
    UPDATE wallets SET reserved_e4 = reserved_e4 + p_amount, updated_at = now()
    WHERE tenant_id = p_tenant AND balance_e4 - reserved_e4 >= p_amount;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    INSERT INTO wallet_reservations (tenant_id, send_key, amount_e4) VALUES (p_tenant, p_key, p_amount);
    RETURN true;
END
$$;

-- Gives back a reservation whose send never happened (refused before Meta).
CREATE FUNCTION wallet_unreserve(p_tenant uuid, p_key text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    WITH r AS (
        UPDATE wallet_reservations SET status = 'released', settled_at = now()
        WHERE tenant_id = p_tenant AND send_key = p_key AND status = 'reserved' RETURNING amount_e4)
    UPDATE wallets SET reserved_e4 = reserved_e4 - r.amount_e4, updated_at = now() FROM r WHERE wallets.tenant_id = p_tenant
$$;

-- Settles the reservations of these messages: a delivered message (its
-- cost in the ledger) is debited its actual cost, never taking the balance
-- below what stays reserved; a failed one is released.
CREATE FUNCTION wallet_settle(p_messages uuid[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    r record;
    w record;
    debit bigint;
BEGIN
    FOR r IN
        SELECT wr.tenant_id, wr.send_key, wr.amount_e4, m.status, uc.amount_e4 AS cost
          FROM messages m
          JOIN wallet_reservations wr ON wr.tenant_id = m.tenant_id AND wr.send_key = m.client_id AND wr.status = 'reserved'
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

-- Releases reservations older than `p_after` whose message never settled
-- (no delivery, no failure: Meta never answered). Returns how many.
CREATE FUNCTION wallet_expire(p_after interval) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    r record;
    n bigint := 0;
    after bigint;
BEGIN
    FOR r IN SELECT tenant_id, send_key, amount_e4 FROM wallet_reservations
              WHERE status = 'reserved' AND created_at <= now() - p_after FOR UPDATE SKIP LOCKED LOOP
        UPDATE wallets SET reserved_e4 = reserved_e4 - r.amount_e4, updated_at = now() WHERE tenant_id = r.tenant_id RETURNING balance_e4 INTO after;
        UPDATE wallet_reservations SET status = 'released', settled_at = now() WHERE tenant_id = r.tenant_id AND send_key = r.send_key;
        INSERT INTO wallet_ledger (tenant_id, kind, amount_e4, balance_after_e4, send_key, note)
        VALUES (r.tenant_id, 'release', r.amount_e4, after, r.send_key, 'expired');
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;

-- What a template of `p_category` to `p_phone` is expected to cost today
-- (the rate card the meter uses).
CREATE FUNCTION wallet_expected_cost(p_tenant uuid, p_category text, p_phone text) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT COALESCE((
        SELECT rc.rate_e4 FROM rate_cards rc
         WHERE rc.category = replace(lower(p_category), '-', '_') AND (rc.tenant_id IS NULL OR rc.tenant_id = p_tenant)
           AND rc.effective_from <= current_date
           AND (rc.country_prefix = '*' OR ltrim(COALESCE(p_phone, ''), '+') LIKE rc.country_prefix || '%')
         ORDER BY rc.tenant_id IS NULL, rc.country_prefix = '*', length(rc.country_prefix) DESC, rc.effective_from DESC
         LIMIT 1), 0)
$$;

REVOKE EXECUTE ON FUNCTION wallet_credit(uuid, bigint, text, text, text), wallet_reserve(uuid, text, bigint),
    wallet_unreserve(uuid, text), wallet_settle(uuid[]), wallet_expire(interval), wallet_expected_cost(uuid, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION wallet_credit(uuid, bigint, text, text, text), wallet_reserve(uuid, text, bigint),
    wallet_unreserve(uuid, text), wallet_expire(interval), wallet_expected_cost(uuid, text, text) TO whatsflow_app;

-- The meter settles wallet reservations as it meters deliveries and
-- failures (same statement, same transaction).
CREATE OR REPLACE FUNCTION meter_delivered() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    INSERT INTO usage_users (tenant_id, period, contact_id, first_at, via)
    SELECT DISTINCT ON (n.tenant_id, c.contact_id, date_trunc('month', d.at AT TIME ZONE 'UTC'))
           n.tenant_id, date_trunc('month', d.at AT TIME ZONE 'UTC')::date, c.contact_id, d.at, 'delivered'
      FROM new_rows n JOIN conversations c ON c.id = n.conversation_id
     CROSS JOIN LATERAL (SELECT COALESCE(n.delivered_at, n.read_at, now()) AS at) d
     WHERE n.direction = 'outbound' AND n.status IN ('delivered', 'read', 'played')
     ORDER BY n.tenant_id, c.contact_id, date_trunc('month', d.at AT TIME ZONE 'UTC'), d.at
    ON CONFLICT DO NOTHING;

    INSERT INTO usage_costs (message_id, tenant_id, period, day, category, pricing_type, country_prefix, currency, amount_e4)
    SELECT n.id, n.tenant_id, date_trunc('month', d.day)::date, d.day, d.category, d.pricing_type,
           COALESCE(rate.country_prefix, '*'), COALESCE(rate.currency, 'INR'),
           CASE WHEN d.pricing_type = 'regular' THEN COALESCE(rate.rate_e4, 0) ELSE 0 END
      FROM new_rows n
      JOIN conversations c ON c.id = n.conversation_id
      JOIN contacts k ON k.id = c.contact_id
     CROSS JOIN LATERAL (SELECT
            (COALESCE(n.delivered_at, n.read_at, now()) AT TIME ZONE 'UTC')::date AS day,
            replace(lower(COALESCE(n.pricing ->> 'category', 'unknown')), '-', '_') AS category,
            CASE WHEN n.pricing ? 'type' THEN replace(lower(n.pricing ->> 'type'), '-', '_')
                 WHEN n.pricing ->> 'billable' = 'false' THEN 'free'
                 ELSE 'regular' END AS pricing_type) d
      LEFT JOIN LATERAL (
            SELECT rc.country_prefix, rc.currency, rc.rate_e4 FROM rate_cards rc
             WHERE rc.category = d.category AND (rc.tenant_id IS NULL OR rc.tenant_id = n.tenant_id)
               AND rc.effective_from <= d.day
               AND (rc.country_prefix = '*' OR ltrim(COALESCE(k.phone, ''), '+') LIKE rc.country_prefix || '%')
             ORDER BY rc.tenant_id IS NULL, rc.country_prefix = '*', length(rc.country_prefix) DESC, rc.effective_from DESC
             LIMIT 1) rate ON true
     WHERE n.direction = 'outbound' AND n.pricing IS NOT NULL AND n.status IN ('delivered', 'read', 'played')
    ON CONFLICT (message_id) DO NOTHING;

    IF EXISTS (SELECT 1 FROM wallet_reservations WHERE status = 'reserved') THEN
        PERFORM wallet_settle(ARRAY(
            SELECT n.id FROM new_rows n
             WHERE n.direction = 'outbound' AND n.client_id IS NOT NULL
               AND (n.status = 'failed' OR (n.pricing IS NOT NULL AND n.status IN ('delivered', 'read', 'played')))));
    END IF;
    RETURN NULL;
END
$$;

-- What a payment was for (a subscription's cycle, or a wallet top-up),
-- from its notes: a top-up's invoice says so.
ALTER TABLE payments ADD COLUMN purpose text;
