-- Metering: the customers a tenant reached in each billing month (its
-- monthly unique users, what plans limit) and what each delivered message
-- cost Meta's way (the cost ledger). Both are written by the database
-- itself, once per statement that stores messages or their statuses, so
-- every path that stores a message meters it and none can meter twice.

-- Meta changes its rates on set days: a rate-card row applies from its date.
ALTER TABLE rate_cards ADD COLUMN effective_from date NOT NULL DEFAULT DATE '2026-01-01';
DROP INDEX rate_cards_key;
CREATE UNIQUE INDEX rate_cards_key
    ON rate_cards (COALESCE(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid), category, country_prefix, effective_from);
-- Marketing messages sent through the MM Lite API are priced as marketing.
INSERT INTO rate_cards (tenant_id, category, country_prefix, currency, rate_e4) VALUES (NULL, 'marketing_lite', '*', 'INR', 8631);

-- One row per person a tenant reached in a billing month (calendar month,
-- UTC): a contact, known by phone or by business-scoped user id, counts the
-- first time one of their messages arrives or one of ours is delivered to
-- them. Rows are never deleted by anything but the tenant's own deletion
-- (a contact's erasure keeps the count).
CREATE TABLE usage_users (
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    period      date NOT NULL,
    contact_id  uuid NOT NULL,
    first_at    timestamptz NOT NULL,
    via         text NOT NULL CHECK (via IN ('inbound', 'delivered')),
    PRIMARY KEY (tenant_id, period, contact_id)
);

-- One row per delivered outbound message: its pricing category and type as
-- Meta reported them, the rate-card row's prefix and currency, and its
-- cost in ten-thousandths (0 unless Meta's type is `regular`).
CREATE TABLE usage_costs (
    message_id      uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    period          date NOT NULL,
    day             date NOT NULL,
    category        text NOT NULL,
    pricing_type    text NOT NULL,
    country_prefix  text NOT NULL,
    currency        text NOT NULL,
    amount_e4       bigint NOT NULL CHECK (amount_e4 >= 0)
);
CREATE INDEX usage_costs_period_idx ON usage_costs (tenant_id, period, day);

-- A plan-limit alert that fired (80% or 100% of a limit), once per tenant,
-- period, limit and threshold; `notified_at` is when the server told the
-- tenant's people.
CREATE TABLE usage_alerts (
    tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    period       date NOT NULL,
    limit_key    text NOT NULL,
    threshold    integer NOT NULL CHECK (threshold IN (80, 100)),
    used         bigint NOT NULL,
    allowed      bigint NOT NULL,
    fired_at     timestamptz NOT NULL DEFAULT now(),
    notified_at  timestamptz,
    PRIMARY KEY (tenant_id, period, limit_key, threshold)
);

SELECT wf_protect_tenant_table(t) FROM unnest(ARRAY['usage_users', 'usage_costs', 'usage_alerts']) AS t;
-- The meter's rows are written only by the database's own triggers and the
-- alert sweep: the app role reads them.
REVOKE INSERT, UPDATE, DELETE ON usage_users, usage_costs, usage_alerts FROM whatsflow_app;

-- Customers who wrote in: counted in the month of their message.
CREATE FUNCTION meter_inbound() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    INSERT INTO usage_users (tenant_id, period, contact_id, first_at, via)
    SELECT DISTINCT ON (n.tenant_id, c.contact_id, date_trunc('month', n.timestamp AT TIME ZONE 'UTC'))
           n.tenant_id, date_trunc('month', n.timestamp AT TIME ZONE 'UTC')::date, c.contact_id, n.timestamp, 'inbound'
      FROM new_rows n JOIN conversations c ON c.id = n.conversation_id
     WHERE n.direction = 'inbound'
     ORDER BY n.tenant_id, c.contact_id, date_trunc('month', n.timestamp AT TIME ZONE 'UTC'), n.timestamp
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER messages_meter_inbound AFTER INSERT ON messages
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION meter_inbound();

-- Our messages once delivered (a read or played status implies delivery):
-- the customer counts in the month of delivery, and the message's cost is
-- written once, from the first status that carries Meta's pricing, at the
-- rate in force on its delivery day (the tenant's own card before the
-- platform's, the longest matching calling-code prefix first). A failed
-- message is never delivered, so it counts nothing and costs nothing.
CREATE FUNCTION meter_delivered() RETURNS trigger
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
    RETURN NULL;
END
$$;
CREATE TRIGGER messages_meter_delivered AFTER UPDATE ON messages
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION meter_delivered();
REVOKE EXECUTE ON FUNCTION meter_inbound(), meter_delivered() FROM PUBLIC;

-- The alert sweep, step one: for every customer tenant whose plan limits
-- monthly unique users, fires the 80% and 100% alerts of `p_period` it has
-- reached (each once: the key is the tenant, period, limit and threshold).
CREATE FUNCTION fire_usage_alerts(p_period date) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    WITH limited AS (
        SELECT t.id, (p.limits ->> 'monthly_unique_users')::bigint AS allowed
          FROM tenants t JOIN plans p ON p.code = t.plan_code
         WHERE t.kind = 'business' AND (p.limits ->> 'monthly_unique_users') IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM usage_alerts a WHERE a.tenant_id = t.id AND a.period = p_period
                              AND a.limit_key = 'monthly_unique_users' AND a.threshold = 100)),
    used AS (
        SELECT l.id, l.allowed, (SELECT count(*) FROM usage_users u WHERE u.tenant_id = l.id AND u.period = p_period) AS used
          FROM limited l)
    INSERT INTO usage_alerts (tenant_id, period, limit_key, threshold, used, allowed)
    SELECT u.id, p_period, 'monthly_unique_users', th.threshold, u.used, u.allowed
      FROM used u CROSS JOIN (VALUES (80), (100)) AS th(threshold)
     WHERE u.used * 100 >= u.allowed * th.threshold
    ON CONFLICT DO NOTHING
$$;
REVOKE EXECUTE ON FUNCTION fire_usage_alerts(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION fire_usage_alerts(date) TO whatsflow_app;

-- Step two: the alerts fired and not yet told, marked as told.
CREATE FUNCTION take_usage_alerts()
RETURNS TABLE (tenant_id uuid, period date, limit_key text, threshold integer, used bigint, allowed bigint)
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    UPDATE usage_alerts a SET notified_at = now() WHERE a.notified_at IS NULL
    RETURNING a.tenant_id, a.period, a.limit_key, a.threshold, a.used, a.allowed
$$;
REVOKE EXECUTE ON FUNCTION take_usage_alerts() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION take_usage_alerts() TO whatsflow_app;
