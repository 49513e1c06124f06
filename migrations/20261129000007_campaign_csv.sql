-- A campaign's audience uploaded as CSV: one row per accepted line, its
-- phone (E.164) and its other columns (the template's variables). Replaced
-- by each upload while the campaign is a draft; read at launch.
CREATE TABLE campaign_audience_rows (
    tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    campaign_id  uuid NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    line         integer NOT NULL,
    phone        text NOT NULL,
    columns      jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (campaign_id, line)
);
SELECT wf_protect_tenant_table('campaign_audience_rows');
