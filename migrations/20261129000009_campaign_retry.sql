-- Meta's per-user marketing limit (131049) says "try again no sooner than
-- 24 hours": such a recipient goes back to pending once, with `retry_at`,
-- and its second send has its own send key (attempt 2). The failed
-- message stays linked in `earlier_message_ids`.
ALTER TABLE campaign_recipients
    ADD COLUMN attempt integer NOT NULL DEFAULT 1 CHECK (attempt BETWEEN 1 AND 2),
    ADD COLUMN retry_at timestamptz,
    ADD COLUMN earlier_message_ids uuid[] NOT NULL DEFAULT '{}';

-- Puts the recipients of these messages back to pending for 24 hours when
-- their message failed with 131049 on its first attempt. A campaign that
-- completed meanwhile runs again to send them; a cancelled one does not.
-- Runs as its caller, under the caller's tenant (row-level security).
CREATE FUNCTION campaign_retry_later(p_messages uuid[]) RETURNS void
LANGUAGE sql AS $$
    WITH moved AS (
        UPDATE campaign_recipients r
           SET status = 'pending', attempt = r.attempt + 1,
               retry_at = COALESCE(m.failed_at, now()) + interval '24 hours',
               earlier_message_ids = r.earlier_message_ids || r.message_id,
               message_id = NULL, claimed_at = NULL, updated_at = now()
          FROM messages m, campaigns c
         WHERE r.message_id = ANY(p_messages) AND r.status = 'queued' AND r.attempt < 2
           AND m.tenant_id = r.tenant_id AND m.id = r.message_id
           AND m.status = 'failed' AND m.errors -> 0 ->> 'code' = '131049'
           AND c.id = r.campaign_id AND c.status IN ('running', 'paused', 'completed')
        RETURNING r.campaign_id)
    UPDATE campaigns SET status = 'running', completed_at = NULL, updated_at = now()
     WHERE id IN (SELECT campaign_id FROM moved) AND status = 'completed';
$$;

-- Whichever way the failure comes (Meta's answer to the send or a later
-- status webhook), in the same transaction. The WHEN clause keeps every
-- other status change free of it. A failure recorded before the campaign
-- linked the recipient to its message is caught when it links it.
CREATE FUNCTION messages_campaign_retry_later() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM campaign_retry_later(ARRAY[NEW.id]);
    RETURN NULL;
END
$$;

CREATE TRIGGER messages_campaign_retry_later AFTER UPDATE OF status ON messages
    FOR EACH ROW
    WHEN (NEW.status = 'failed' AND OLD.status IS DISTINCT FROM 'failed'
          AND NEW.sent_by ->> 'kind' = 'campaign' AND NEW.errors -> 0 ->> 'code' = '131049')
    EXECUTE FUNCTION messages_campaign_retry_later();
