-- The SLA sweep reads only conversations that can be in breach.
--
-- The first version locked (FOR UPDATE) every open conversation of every
-- tenant with a policy on each sweep, and computed each one's breach after
-- locking it; its plan walked every open conversation of the database even
-- when no tenant had a policy. With 80,000 open conversations (a campaign
-- opens one per recipient) a sweep took ~0.9 s of Postgres CPU, every few
-- seconds, whether or not anything was due.
--
-- Now each tenant with a policy is asked for its candidates by index: those
-- waiting for a first answer since before its shortest first-response limit,
-- and those open since before its shortest resolution limit (any policy that
-- applies to a conversation has a limit at least that long, so no breach is
-- missed). Only the candidates get their own policy, and only those in
-- breach are locked and marked.

DROP INDEX IF EXISTS conversations_sla_open_idx;
CREATE INDEX conversations_sla_open_idx ON conversations (tenant_id, (COALESCE(opened_at, created_at)))
    WHERE status IN ('open', 'pending') AND sla_breached_at IS NULL;

CREATE OR REPLACE FUNCTION sla_mark_breaches(p_now timestamptz)
RETURNS TABLE (tenant_id uuid, conversation_id uuid, breach text, assignee_id uuid, team_id uuid)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
#variable_conflict use_column
DECLARE
    r record;
BEGIN
    FOR r IN
        WITH limits AS (
            SELECT s.tenant_id, min(s.first_response_minutes) AS first_response, min(s.resolution_minutes) AS resolution
            FROM sla_policies s GROUP BY s.tenant_id
        ),
        candidates AS (
            SELECT c.id FROM limits l
            JOIN conversations c ON c.tenant_id = l.tenant_id AND c.awaiting_since IS NOT NULL
                 AND c.awaiting_since <= p_now - make_interval(mins => l.first_response)
                 AND c.first_response_at IS NULL AND c.status IN ('open', 'pending') AND c.sla_breached_at IS NULL
            WHERE l.first_response IS NOT NULL
            UNION
            SELECT c.id FROM limits l
            JOIN conversations c ON c.tenant_id = l.tenant_id AND c.status IN ('open', 'pending') AND c.sla_breached_at IS NULL
                 AND COALESCE(c.opened_at, c.created_at) <= p_now - make_interval(mins => l.resolution)
            WHERE l.resolution IS NOT NULL
        ),
        judged AS (
            SELECT c.id, c.awaiting_since, c.first_response_at, COALESCE(c.opened_at, c.created_at) AS opened, CASE
                     WHEN p.first_response_minutes IS NOT NULL AND c.first_response_at IS NULL AND c.awaiting_since IS NOT NULL
                          AND c.awaiting_since <= p_now - make_interval(mins => p.first_response_minutes) THEN 'first_response'
                     WHEN p.resolution_minutes IS NOT NULL
                          AND COALESCE(c.opened_at, c.created_at) <= p_now - make_interval(mins => p.resolution_minutes) THEN 'resolution'
                   END AS breach
            FROM candidates k
            JOIN conversations c ON c.id = k.id
            CROSS JOIN LATERAL (SELECT s.first_response_minutes, s.resolution_minutes FROM sla_policies s
                                WHERE s.tenant_id = c.tenant_id AND (s.team_id = c.team_id OR s.team_id IS NULL)
                                ORDER BY s.team_id IS NULL LIMIT 1) p
        ),
        due AS (
            SELECT c.id, j.breach FROM judged j
            JOIN conversations c ON c.id = j.id
            WHERE j.breach IS NOT NULL AND c.status IN ('open', 'pending') AND c.sla_breached_at IS NULL
              -- Changed since it was judged (answered, written to again,
              -- resolved and reopened): judged again at the next sweep.
              AND c.awaiting_since IS NOT DISTINCT FROM j.awaiting_since
              AND c.first_response_at IS NOT DISTINCT FROM j.first_response_at
              AND COALESCE(c.opened_at, c.created_at) = j.opened
            FOR UPDATE OF c SKIP LOCKED
        )
        UPDATE conversations c SET sla_breached_at = p_now, sla_breach = due.breach
        FROM due WHERE c.id = due.id AND c.sla_breached_at IS NULL
        RETURNING c.tenant_id, c.id, c.sla_breach, c.assignee_id, c.team_id
    LOOP
        PERFORM webhook_emit(r.tenant_id, 'sla.breached', jsonb_build_object(
            'conversation_id', r.id, 'breach', r.sla_breach, 'assignee_id', r.assignee_id, 'team_id', r.team_id));
        tenant_id := r.tenant_id; conversation_id := r.id; breach := r.sla_breach; assignee_id := r.assignee_id; team_id := r.team_id;
        RETURN NEXT;
    END LOOP;
END
$$;
REVOKE EXECUTE ON FUNCTION sla_mark_breaches(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sla_mark_breaches(timestamptz) TO whatsflow_app;
