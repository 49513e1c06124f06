-- Marketing consent changes from outside (Meta's user_preferences webhook,
-- STOP / START keywords, a 131050 failure) apply in the order they happened,
-- not the order they arrived: a change older than the last one is ignored.
ALTER TABLE contacts ADD COLUMN consent_changed_at timestamptz;

-- Whole-message keywords (trimmed, case-insensitive) that stop or resume a
-- customer's marketing consent; English and Hindi by default.
ALTER TABLE tenants ADD COLUMN stop_keywords text[] NOT NULL
    DEFAULT ARRAY['stop', 'unsubscribe', 'stop promotions', 'opt out', 'रोकें', 'बंद करें', 'बंद करो'];
ALTER TABLE tenants ADD COLUMN start_keywords text[] NOT NULL
    DEFAULT ARRAY['start', 'subscribe', 'opt in', 'शुरू करें', 'शुरू करो'];
