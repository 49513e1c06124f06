-- The SLA sweep asks each tenant with a policy for its candidates, one
-- tenant at a time, and nobody else.
--
-- The previous version joined the tenants' shortest limits to every open
-- conversation in one statement. Its plan did not depend on how many
-- tenants had a policy: with 1,000,000 open conversations and no policy at
-- all (the actors bench), a sweep took 0.3 s while they were being created
-- and 3.5 s a call once they had been written to again (85 s of Postgres
-- time in the bench's rehydration phase, its costliest statement). Now the
-- policies are read first, and each tenant's candidates are found by its
-- own index range, so a database where nobody has a policy costs one read
-- of an empty table, and one with policies costs what those tenants' open
-- conversations cost.

CREATE OR REPLACE FUNCTION sla_mark_breaches(p_now timestamptz)
RETURNS TABLE (tenant_id uuid, conversation_id uuid, breach text, assignee_id uuid, team_id uuid)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
#variable_conflict use_column
DECLARE
    l record;
    r record;
BEGIN
    FOR l IN
        SELECT s.tenant_id AS tenant, min(s.first_response_minutes) AS first_response, min(s.resolution_minutes) AS resolution
        FROM sla_policies s GROUP BY s.tenant_id
    LOOP
        FOR r IN
            WITH candidates AS (
                -- Waiting for a first answer since before the tenant's
                -- shortest first-response limit, or open since before its
                -- shortest resolution limit: any policy that applies has a
                -- limit at least that long, so no breach is missed.
                SELECT c.id FROM conversations c
                WHERE l.first_response IS NOT NULL AND c.tenant_id = l.tenant AND c.awaiting_since IS NOT NULL
                  AND c.awaiting_since <= p_now - make_interval(mins => l.first_response)
                  AND c.first_response_at IS NULL AND c.status IN ('open', 'pending') AND c.sla_breached_at IS NULL
                UNION
                SELECT c.id FROM conversations c
                WHERE l.resolution IS NOT NULL AND c.tenant_id = l.tenant AND c.status IN ('open', 'pending') AND c.sla_breached_at IS NULL
                  AND COALESCE(c.opened_at, c.created_at) <= p_now - make_interval(mins => l.resolution)
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
    END LOOP;
END
$$;
REVOKE EXECUTE ON FUNCTION sla_mark_breaches(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sla_mark_breaches(timestamptz) TO whatsflow_app;
