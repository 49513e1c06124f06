-- Meta's messaging limit per business portfolio: how many unique customers
-- it may start conversations with (outside their service window) in a
-- moving 24 hours. Reported by business_capability_update and
-- phone_number_quality_update webhooks for a WABA; NULL daily_limit means
-- unlimited. Campaigns schedule what is over it instead of failing it.
CREATE TABLE messaging_limits (
    tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    waba_id      text NOT NULL,
    daily_limit  integer CHECK (daily_limit IS NULL OR daily_limit >= 0),
    reported_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, waba_id)
);
SELECT wf_protect_tenant_table('messaging_limits');

-- Why a running campaign is waiting (the messaging limit is reached), shown
-- with its progress; NULL while it sends.
ALTER TABLE campaigns ADD COLUMN waiting_reason text;
