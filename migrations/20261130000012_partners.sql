-- White-label partners: their brand, their client tenants, their domains,
-- their prices (markup) and the ledger of what each client payment earns
-- them. Partners, domains and prices are platform configuration (like
-- plans): the brand is public, and every query names the partner, which the
-- routes resolve from the caller. The ledger carries tenants' money and is
-- row-level secured.

CREATE TABLE partners (
    id                  uuid PRIMARY KEY,
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    slug                text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,28}[a-z0-9]$'),
    status              text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'suspended')),
    model               text NOT NULL DEFAULT 'revenue_share' CHECK (model IN ('markup', 'revenue_share', 'hybrid')),
    -- The partner's share of each payment (revenue share; hybrid: of what
    -- is left after the platform's fee), in basis points.
    revenue_share_bps   integer NOT NULL DEFAULT 6000 CHECK (revenue_share_bps BETWEEN 0 AND 10000),
    -- Hybrid: the platform's fixed fee out of each payment, in paise.
    platform_fee_minor  bigint NOT NULL DEFAULT 0 CHECK (platform_fee_minor >= 0),
    -- The partner's own account, where its admins sign in (made in the
    -- same transaction, after the partner it belongs to).
    home_tenant_id      uuid NOT NULL UNIQUE REFERENCES tenants(id) DEFERRABLE INITIALLY DEFERRED,
    -- product_name, colors {primary, accent}, support_email, support_url,
    -- terms_url, privacy_url.
    brand               jsonb NOT NULL DEFAULT '{}',
    logo                bytea CHECK (octet_length(logo) <= 262144),
    logo_type           text,
    favicon             bytea CHECK (octet_length(favicon) <= 262144),
    favicon_type        text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE ON partners TO whatsflow_app;

-- The tenants a partner owns (its clients and its own account).
ALTER TABLE tenants ADD COLUMN partner_id uuid REFERENCES partners(id);
CREATE INDEX tenants_partner_idx ON tenants (partner_id) WHERE partner_id IS NOT NULL;
-- Set when the tenant is made (a partner's client or own account), never changed.
GRANT INSERT (partner_id) ON tenants TO whatsflow_app;

-- Custom domains, proven by a DNS TXT record `_whatsflow.<domain>`.
CREATE TABLE partner_domains (
    domain       text PRIMARY KEY CHECK (length(domain) BETWEEN 4 AND 253 AND domain = lower(domain)),
    partner_id   uuid NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    token        text NOT NULL,
    verified_at  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX partner_domains_partner_idx ON partner_domains (partner_id);
GRANT SELECT, INSERT, UPDATE, DELETE ON partner_domains TO whatsflow_app;

-- A markup partner's retail prices (null: the platform's price).
CREATE TABLE partner_prices (
    partner_id            uuid NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    plan_code             text NOT NULL REFERENCES plans(code),
    retail_monthly_minor  bigint CHECK (retail_monthly_minor >= 0),
    retail_annual_minor   bigint CHECK (retail_annual_minor >= 0),
    PRIMARY KEY (partner_id, plan_code)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON partner_prices TO whatsflow_app;

-- What each captured payment of a partner's client earned the partner and
-- the platform (a `share`), and what each refund took back (a `reversal`,
-- negative, in proportion). The two parts always add up to the gross.
CREATE TABLE partner_ledger (
    id              bigserial PRIMARY KEY,
    partner_id      uuid NOT NULL REFERENCES partners(id),
    tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('share', 'reversal')),
    payment_id      text NOT NULL,
    refund_id       text,
    gross_minor     bigint NOT NULL,
    partner_minor   bigint NOT NULL,
    platform_minor  bigint NOT NULL,
    at              timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (partner_minor + platform_minor = gross_minor),
    CHECK ((kind = 'share') = (refund_id IS NULL))
);
-- Once per payment and once per refund, whatever order webhooks come in.
CREATE UNIQUE INDEX partner_ledger_once ON partner_ledger (payment_id, COALESCE(refund_id, ''));
CREATE INDEX partner_ledger_partner_idx ON partner_ledger (partner_id, at);
GRANT SELECT, INSERT ON partner_ledger TO whatsflow_app;
GRANT USAGE ON SEQUENCE partner_ledger_id_seq TO whatsflow_app;
-- A client's billing writes its own rows; a partner's account reads its
-- clients' rows.
ALTER TABLE partner_ledger ENABLE ROW LEVEL SECURITY;
ALTER TABLE partner_ledger FORCE ROW LEVEL SECURITY;
CREATE POLICY client_writes ON partner_ledger FOR INSERT WITH CHECK (tenant_id = app_tenant());
CREATE POLICY partner_reads ON partner_ledger FOR SELECT
    USING (tenant_id = app_tenant() OR partner_id IN (SELECT p.id FROM partners p WHERE p.home_tenant_id = app_tenant()));
CREATE POLICY owner_access ON partner_ledger TO CURRENT_USER USING (true) WITH CHECK (true);

-- A partner's clients with their size and what they paid: callable by the
-- app role; the route checks the caller is the partner's admin.
CREATE FUNCTION partner_clients(p_partner uuid)
RETURNS TABLE (id uuid, name text, plan_code text, status text, created_at timestamptz, admin_email text,
               messages_this_month bigint, contacts bigint, paid_minor bigint, refunded_minor bigint, last_paid_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id, t.name, t.plan_code, t.status, t.created_at,
           (SELECT u.email FROM users u WHERE u.tenant_id = t.id AND u.role = 'tenant_admin' ORDER BY u.created_at LIMIT 1),
           (SELECT count(*) FROM messages m WHERE m.tenant_id = t.id AND m.created_at >= date_trunc('month', now())),
           (SELECT count(*) FROM contacts k WHERE k.tenant_id = t.id),
           (SELECT COALESCE(sum(p.amount_minor), 0)::bigint FROM payments p WHERE p.tenant_id = t.id AND p.captured),
           (SELECT COALESCE(sum(r.amount_minor), 0)::bigint FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE p.tenant_id = t.id),
           (SELECT max(p.paid_at) FROM payments p WHERE p.tenant_id = t.id AND p.captured)
    FROM tenants t JOIN partners pa ON pa.id = t.partner_id
    WHERE t.partner_id = p_partner AND t.id <> pa.home_tenant_id AND t.kind = 'business'
    ORDER BY t.created_at DESC, t.id
$$;
REVOKE EXECUTE ON FUNCTION partner_clients(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION partner_clients(uuid) TO whatsflow_app;

-- The partner a tenant belongs to (sign-in on a partner's host checks it
-- before any tenant context exists).
CREATE FUNCTION tenant_partner(p_tenant uuid) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT partner_id FROM tenants WHERE id = p_tenant
$$;
REVOKE EXECUTE ON FUNCTION tenant_partner(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_partner(uuid) TO whatsflow_app;

-- Every partner with its clients, its first admin and its earnings to date
-- (the operators' list): callable by the app role; the route checks the
-- caller is a super-admin.
CREATE FUNCTION partner_summaries()
RETURNS TABLE (id uuid, clients bigint, balance_minor bigint, admin_email text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT p.id,
           (SELECT count(*) FROM tenants t WHERE t.partner_id = p.id AND t.id <> p.home_tenant_id),
           (SELECT COALESCE(sum(l.partner_minor), 0)::bigint FROM partner_ledger l WHERE l.partner_id = p.id),
           (SELECT u.email FROM users u WHERE u.tenant_id = p.home_tenant_id AND u.role = 'partner_admin' ORDER BY u.created_at LIMIT 1)
    FROM partners p
$$;
REVOKE EXECUTE ON FUNCTION partner_summaries() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION partner_summaries() TO whatsflow_app;
