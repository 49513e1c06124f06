-- Referral affiliates, their clicks and referred accounts, their
-- commissions, and payouts (to affiliates and partners) through RazorpayX.
-- Balances are sums, never stored: what an affiliate may be paid is its
-- commissions past their hold, less its clawbacks, less its payouts that
-- did not fail or reverse; a reversed payout therefore restores the balance
-- by itself.

CREATE TABLE affiliates (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9]{8,16}$'),
    status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'suspended')),
    tier        text NOT NULL DEFAULT 'standard' CHECK (tier IN ('standard', 'premium')),
    -- Who they are, as when they joined (their account's rows are their tenant's).
    name        text NOT NULL,
    email       text NOT NULL,
    phone       text CHECK (length(phone) <= 20),
    gstin       text CHECK (length(gstin) = 15),
    payout_vpa  text CHECK (length(payout_vpa) <= 100),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE ON affiliates TO whatsflow_app;

-- Clicks on referral links, counted per affiliate and day (bounded rows).
CREATE TABLE referral_clicks (
    affiliate_id  uuid NOT NULL REFERENCES affiliates(id) ON DELETE CASCADE,
    day           date NOT NULL,
    clicks        bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (affiliate_id, day)
);
GRANT SELECT, INSERT, UPDATE ON referral_clicks TO whatsflow_app;

-- The account a referral link brought (first touch), or refused as the
-- affiliate's own.
CREATE TABLE referrals (
    tenant_id     uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    affiliate_id  uuid NOT NULL REFERENCES affiliates(id) ON DELETE CASCADE,
    clicked_at    timestamptz NOT NULL,
    signed_up_at  timestamptz NOT NULL,
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'refused_self')),
    reason        text
);
CREATE INDEX referrals_affiliate_idx ON referrals (affiliate_id);
GRANT SELECT, INSERT, UPDATE ON referrals TO whatsflow_app;

-- A commission per captured subscription payment of a referred account
-- (its first 12), and a clawback per refund of one (negative, in
-- proportion). A clawback during the hold nets the commission before it is
-- ever payable; after it, the balance may go below zero and is carried.
CREATE TABLE commissions (
    id            bigserial PRIMARY KEY,
    affiliate_id  uuid NOT NULL REFERENCES affiliates(id) ON DELETE CASCADE,
    tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('commission', 'clawback')),
    payment_id    text NOT NULL,
    refund_id     text,
    cycle         integer CHECK (cycle BETWEEN 1 AND 12),
    base_minor    bigint NOT NULL,
    rate_bps      integer NOT NULL,
    amount_minor  bigint NOT NULL,
    hold_until    timestamptz NOT NULL,
    voided_at     timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'commission') = (refund_id IS NULL))
);
CREATE UNIQUE INDEX commissions_once ON commissions (payment_id, COALESCE(refund_id, ''));
CREATE INDEX commissions_affiliate_idx ON commissions (affiliate_id, created_at);
GRANT SELECT, INSERT, UPDATE ON commissions TO whatsflow_app;
GRANT USAGE ON SEQUENCE commissions_id_seq TO whatsflow_app;

-- Where a partner is paid.
ALTER TABLE partners ADD COLUMN payout_vpa text CHECK (length(payout_vpa) <= 100);

-- Money sent to an affiliate or a partner. The idempotency key goes with
-- every request for it, so a retried request pays once.
CREATE TABLE payouts (
    id                 uuid PRIMARY KEY,
    payee_kind         text NOT NULL CHECK (payee_kind IN ('affiliate', 'partner')),
    payee_id           uuid NOT NULL,
    amount_minor       bigint NOT NULL CHECK (amount_minor >= 100),
    vpa                text NOT NULL,
    idempotency_key    text NOT NULL UNIQUE,
    razorpay_id        text UNIQUE,
    status             text NOT NULL DEFAULT 'created'
                       CHECK (status IN ('created', 'queued', 'processing', 'processed', 'reversed', 'failed')),
    failure_reason     text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
-- One payout on its way per payee at a time.
CREATE UNIQUE INDEX payouts_one_open ON payouts (payee_kind, payee_id) WHERE status IN ('created', 'queued', 'processing');
GRANT SELECT, INSERT, UPDATE ON payouts TO whatsflow_app;

-- The months whose payout run has started (each runs once).
CREATE TABLE payout_runs (
    month   text PRIMARY KEY,
    ran_at  timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT ON payout_runs TO whatsflow_app;

-- The names of the accounts an affiliate brought (its dashboard): callable
-- by the app role; the route checks the caller is that affiliate.
CREATE FUNCTION referred_tenants(p_affiliate uuid) RETURNS TABLE (id uuid, name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id, t.name FROM tenants t JOIN referrals r ON r.tenant_id = t.id WHERE r.affiliate_id = p_affiliate
$$;
REVOKE EXECUTE ON FUNCTION referred_tenants(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION referred_tenants(uuid) TO whatsflow_app;
