-- Billing with Razorpay: each tenant's subscriptions (Razorpay's state,
-- applied so that a late or repeated webhook never moves it backwards), the
-- payments and refunds Razorpay reported, and GST invoices and credit notes
-- numbered consecutively per financial year. Billing never deletes data.

-- Who the tenant is on its invoices.
CREATE TABLE billing_details (
    tenant_id   uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    legal_name  text NOT NULL CHECK (length(legal_name) BETWEEN 1 AND 200),
    gstin       text CHECK (gstin ~ '^[0-9]{2}[A-Z0-9]{13}$'),
    state_code  text NOT NULL CHECK (state_code ~ '^[0-9]{2}$'),
    address     text NOT NULL DEFAULT '' CHECK (length(address) <= 500),
    email       text CHECK (length(email) <= 254),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The Razorpay plan made for each whatsflow plan, cycle and amount.
CREATE TABLE razorpay_plans (
    plan_code        text NOT NULL REFERENCES plans(code),
    cycle            text NOT NULL CHECK (cycle IN ('monthly', 'annual')),
    amount_minor     bigint NOT NULL,
    razorpay_plan_id text NOT NULL,
    PRIMARY KEY (plan_code, cycle, amount_minor)
);
GRANT SELECT, INSERT ON razorpay_plans TO whatsflow_app;

-- A tenant's Razorpay subscriptions; the newest is its current one.
-- `status_at` is when Razorpay made the event that set `status`: an older
-- event never overrides a newer one. `paid_count` and `current_end` only grow.
CREATE TABLE subscriptions (
    id             text PRIMARY KEY,
    tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    plan_code      text NOT NULL REFERENCES plans(code),
    cycle          text NOT NULL CHECK (cycle IN ('monthly', 'annual')),
    amount_minor   bigint NOT NULL,
    status         text NOT NULL,
    status_at      timestamptz NOT NULL,
    paid_count     integer NOT NULL DEFAULT 0,
    current_start  timestamptz,
    current_end    timestamptz,
    charge_at      timestamptz,
    short_url      text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscriptions_tenant_idx ON subscriptions (tenant_id, created_at DESC);

-- Razorpay's webhook event ids already applied (a repeat changes nothing).
CREATE TABLE razorpay_events (
    id           text PRIMARY KEY,
    event        text NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT ON razorpay_events TO whatsflow_app;

-- Payments as Razorpay reported them. Their tenant may be learnt after the
-- payment (a `payment.captured` before the `subscription.charged` naming
-- its subscription); `captured` never goes back to false.
CREATE TABLE payments (
    id               text PRIMARY KEY,
    tenant_id        uuid REFERENCES tenants(id) ON DELETE CASCADE,
    subscription_id  text,
    invoice_id       text,
    amount_minor     bigint NOT NULL CHECK (amount_minor >= 0),
    currency         text NOT NULL,
    status           text NOT NULL,
    captured         boolean NOT NULL DEFAULT false,
    paid_at          timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_invoice_idx ON payments (invoice_id) WHERE invoice_id IS NOT NULL;
GRANT SELECT, INSERT, UPDATE ON payments TO whatsflow_app;
-- A tenant's payments are its own; one whose tenant is not known yet holds
-- only Razorpay's ids and amounts, and is reachable until a later webhook
-- names its tenant.
ALTER TABLE payments ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_payments ON payments USING (tenant_id IS NULL OR tenant_id = app_tenant())
    WITH CHECK (tenant_id IS NULL OR tenant_id = app_tenant());
CREATE POLICY owner_access ON payments TO CURRENT_USER USING (true) WITH CHECK (true);

-- Refunds Razorpay processed (a credit note each, once the payment's
-- invoice exists).
CREATE TABLE refunds (
    id            text PRIMARY KEY,
    payment_id    text NOT NULL,
    amount_minor  bigint NOT NULL CHECK (amount_minor > 0),
    currency      text NOT NULL,
    refunded_at   timestamptz NOT NULL
);
GRANT SELECT, INSERT ON refunds TO whatsflow_app;

-- GST invoices (one per captured payment) and credit notes (one per
-- refund). Amounts in paise add up exactly. Never updated nor deleted.
CREATE TABLE invoices (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id        uuid NOT NULL REFERENCES tenants(id),
    kind             text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    number           text NOT NULL UNIQUE CHECK (length(number) <= 16),
    financial_year   text NOT NULL,
    payment_id       text NOT NULL,
    refund_id        text UNIQUE,
    original_id      uuid REFERENCES invoices(id),
    issued_at        timestamptz NOT NULL,
    seller           jsonb NOT NULL,
    buyer            jsonb NOT NULL,
    place_of_supply  text NOT NULL,
    sac              text NOT NULL,
    description      text NOT NULL,
    currency         text NOT NULL,
    taxable_minor    bigint NOT NULL,
    cgst_minor       bigint NOT NULL,
    sgst_minor       bigint NOT NULL,
    igst_minor       bigint NOT NULL,
    total_minor      bigint NOT NULL,
    CHECK (taxable_minor + cgst_minor + sgst_minor + igst_minor = total_minor),
    CHECK (kind = 'invoice' OR refund_id IS NOT NULL)
);
CREATE UNIQUE INDEX invoices_payment_key ON invoices (payment_id) WHERE kind = 'invoice';
CREATE INDEX invoices_tenant_idx ON invoices (tenant_id, issued_at DESC);

-- The last number given per kind and financial year (no gaps: taken in the
-- invoice's own transaction).
CREATE TABLE invoice_sequences (
    kind            text NOT NULL,
    financial_year  text NOT NULL,
    last            bigint NOT NULL,
    PRIMARY KEY (kind, financial_year)
);
GRANT SELECT, INSERT, UPDATE ON invoice_sequences TO whatsflow_app;

SELECT wf_protect_tenant_table(t) FROM unnest(ARRAY['billing_details', 'subscriptions', 'invoices']) AS t;
REVOKE UPDATE, DELETE ON invoices FROM whatsflow_app;
REVOKE DELETE ON subscriptions FROM whatsflow_app;

-- Why a tenant is in its state: an operator's decision or its billing.
-- Billing moves only what billing caused: it never lifts an operator's
-- suspension.
ALTER TABLE tenants ADD COLUMN status_reason text NOT NULL DEFAULT 'operator' CHECK (status_reason IN ('operator', 'billing'));

CREATE OR REPLACE FUNCTION admin_update_tenant(p_id uuid, p_plan text, p_status text)
RETURNS TABLE (id uuid, ended uuid[])
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    WITH t AS (
        UPDATE tenants SET plan_code = COALESCE(p_plan, plan_code),
               status_changed_at = CASE WHEN p_status IS NOT NULL AND p_status <> status THEN now() ELSE status_changed_at END,
               status_reason = CASE WHEN p_status IS NOT NULL THEN 'operator' ELSE status_reason END,
               status = COALESCE(p_status, status)
        WHERE tenants.id = p_id AND kind = 'business' RETURNING tenants.id, tenants.status),
    ended AS (
        UPDATE users SET token_version = token_version + 1
        WHERE p_status = 'suspended' AND tenant_id IN (SELECT t.id FROM t WHERE t.status = 'suspended') RETURNING users.id)
    SELECT t.id, ARRAY(SELECT ended.id FROM ended) FROM t
$$;

-- Billing's move of a tenant (its subscription's state): to active, grace
-- or restricted, and onto the subscribed plan when given. An operator's
-- suspension stays. Returns the state before and after (no row: unchanged).
CREATE FUNCTION billing_update_tenant(p_id uuid, p_status text, p_plan text)
RETURNS TABLE (old_status text, new_status text)
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    WITH old AS (SELECT status, status_reason FROM tenants WHERE id = p_id AND kind = 'business' FOR UPDATE),
    t AS (
        UPDATE tenants SET plan_code = COALESCE(p_plan, plan_code),
               status_changed_at = CASE WHEN p_status <> tenants.status THEN now() ELSE status_changed_at END,
               status_reason = CASE WHEN p_status <> tenants.status THEN 'billing' ELSE tenants.status_reason END,
               status = p_status
        FROM old
        WHERE tenants.id = p_id AND p_status IN ('active', 'grace', 'restricted')
          AND NOT (old.status = 'suspended' AND old.status_reason = 'operator')
          AND (p_status <> tenants.status OR p_plan IS DISTINCT FROM NULL AND p_plan <> tenants.plan_code)
        RETURNING tenants.status)
    SELECT old.status, t.status FROM old, t
$$;
REVOKE EXECUTE ON FUNCTION billing_update_tenant(uuid, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION billing_update_tenant(uuid, text, text) TO whatsflow_app;

-- Suspends the tenants billing has kept restricted for longer than
-- `p_after`; returns their people, whose sessions end.
CREATE FUNCTION billing_suspend_overdue(p_after interval) RETURNS TABLE (tenant_id uuid, user_id uuid)
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    WITH t AS (
        UPDATE tenants SET status = 'suspended', status_changed_at = now()
        WHERE kind = 'business' AND status = 'restricted' AND status_reason = 'billing'
          AND status_changed_at <= now() - p_after
        RETURNING id),
    ended AS (UPDATE users SET token_version = token_version + 1 WHERE users.tenant_id IN (SELECT id FROM t) RETURNING users.tenant_id, users.id)
    SELECT ended.tenant_id, ended.id FROM ended
$$;
REVOKE EXECUTE ON FUNCTION billing_suspend_overdue(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION billing_suspend_overdue(interval) TO whatsflow_app;

-- The tenant a Razorpay subscription belongs to (webhooks arrive with no
-- tenant; the subscription table is the tenants').
CREATE FUNCTION razorpay_subscription_tenant(p_id text) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT tenant_id FROM subscriptions WHERE id = p_id
$$;
REVOKE EXECUTE ON FUNCTION razorpay_subscription_tenant(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION razorpay_subscription_tenant(text) TO whatsflow_app;

-- The tenant a payment was found to belong to (a refund names only its payment).
CREATE FUNCTION razorpay_payment_tenant(p_id text) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT tenant_id FROM payments WHERE id = p_id
$$;
REVOKE EXECUTE ON FUNCTION razorpay_payment_tenant(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION razorpay_payment_tenant(text) TO whatsflow_app;
