-- Flows may start when a customer replies to a campaign message.
ALTER TABLE flows DROP CONSTRAINT flows_trigger_type_check;
ALTER TABLE flows ADD CONSTRAINT flows_trigger_type_check
    CHECK (trigger_type IN ('keyword', 'welcome', 'button', 'referral', 'manual', 'campaign_reply'));
