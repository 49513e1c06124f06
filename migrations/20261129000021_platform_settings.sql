-- The platform's own settings, one row: whether anyone may sign up, the
-- plan new tenants start on (over WHATSFLOW_DEFAULT_PLAN), and the support
-- address people are pointed to.
CREATE TABLE platform_settings (
    id             boolean PRIMARY KEY DEFAULT true CHECK (id),
    signups_open   boolean NOT NULL DEFAULT true,
    default_plan   text REFERENCES plans(code),
    support_email  text CHECK (length(support_email) <= 254),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
INSERT INTO platform_settings (id) VALUES (true);
GRANT SELECT, UPDATE ON platform_settings TO whatsflow_app;
