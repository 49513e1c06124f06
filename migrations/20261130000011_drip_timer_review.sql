-- The timer's next due moment counts only what a pass would hand over:
-- running sequences of accounts that may send (a suspended account's due
-- rows would otherwise make the timer wake at once, again and again), each
-- sequence's earliest row through its own index.
CREATE INDEX drip_enrollments_campaign_due_idx ON drip_enrollments (campaign_id, due_at) WHERE state = 'active' AND NOT claimed;

-- A scheduled message that could not be stored waits a little before the
-- next attempt, and fails after a few.
ALTER TABLE scheduled_messages ADD COLUMN attempts integer NOT NULL DEFAULT 0;
ALTER TABLE scheduled_messages ADD COLUMN next_attempt_at timestamptz;

CREATE OR REPLACE FUNCTION next_timer_due()
RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT least(
        (SELECT min(first.due_at) FROM campaigns c JOIN tenants t ON t.id = c.tenant_id
           CROSS JOIN LATERAL (SELECT e.due_at FROM drip_enrollments e
                               WHERE e.campaign_id = c.id AND e.state = 'active' AND NOT e.claimed AND e.due_at IS NOT NULL
                               ORDER BY e.due_at LIMIT 1) first
          WHERE c.kind = 'drip' AND c.status = 'running' AND t.status NOT IN ('suspended', 'restricted')),
        (SELECT min(COALESCE(s.next_attempt_at, s.send_at)) FROM scheduled_messages s JOIN tenants t ON t.id = s.tenant_id
          WHERE s.status IN ('scheduled', 'sending') AND t.status NOT IN ('suspended', 'restricted')))
$$;

CREATE OR REPLACE FUNCTION due_timers(p_now timestamptz, p_limit integer)
RETURNS TABLE (kind text, tenant_id uuid, id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    (SELECT DISTINCT 'drip', c.tenant_id, c.id FROM campaigns c JOIN tenants t ON t.id = c.tenant_id
      WHERE c.kind = 'drip' AND c.status = 'running' AND t.status NOT IN ('suspended', 'restricted')
        AND (EXISTS (SELECT 1 FROM drip_enrollments e WHERE e.campaign_id = c.id AND e.state = 'active' AND NOT e.claimed AND e.due_at <= p_now)
             OR EXISTS (SELECT 1 FROM drip_sends s WHERE s.campaign_id = c.id AND s.status = 'sending')))
    UNION ALL
    (SELECT 'scheduled', s.tenant_id, s.id FROM scheduled_messages s JOIN tenants t ON t.id = s.tenant_id
      WHERE s.status IN ('scheduled', 'sending') AND COALESCE(s.next_attempt_at, s.send_at) <= p_now
        AND t.status NOT IN ('suspended', 'restricted')
      ORDER BY COALESCE(s.next_attempt_at, s.send_at) LIMIT p_limit)
$$;
