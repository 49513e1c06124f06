-- Review fixes for campaigns and the platform.

-- A suspended or restricted account's campaigns are not driven or started
-- (they pause with the reason when they notice; reactivation resumes them).
CREATE OR REPLACE FUNCTION active_campaigns()
RETURNS TABLE (tenant_id uuid, id uuid, status text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT c.tenant_id, c.id, c.status FROM campaigns c JOIN tenants t ON t.id = c.tenant_id
    WHERE (c.status = 'running' OR (c.status = 'scheduled' AND c.scheduled_at <= now()))
      AND t.status NOT IN ('suspended', 'restricted')
$$;

-- The retry of a 131049 recipient locks its campaign first, as completion
-- does: a campaign is never marked completed with a recipient just put back
-- to pending, and one completed a moment before is reopened.
CREATE OR REPLACE FUNCTION campaign_retry_later(p_messages uuid[]) RETURNS void
LANGUAGE sql AS $$
    SELECT 1 FROM campaigns
     WHERE id IN (SELECT campaign_id FROM campaign_recipients WHERE message_id = ANY(p_messages))
     ORDER BY id FOR UPDATE;
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

-- API keys work only while the account is not suspended and its plan
-- includes API access (a downgrade stops existing keys too).
CREATE OR REPLACE FUNCTION auth_api_key(p_hash bytea)
RETURNS TABLE (id uuid, tenant_id uuid, scopes text[], created_by uuid)
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    UPDATE api_keys k SET last_used_at = now()
    WHERE k.key_hash = p_hash AND k.revoked_at IS NULL
      AND EXISTS (SELECT 1 FROM tenants t JOIN plans p ON p.code = t.plan_code
                  WHERE t.id = k.tenant_id AND t.status <> 'suspended' AND 'api_access' = ANY(p.features))
    RETURNING k.id, k.tenant_id, k.scopes, k.created_by
$$;

-- One customer tenant by id, whatever its age (the list stops at a limit).
CREATE FUNCTION admin_tenant(p_id uuid)
RETURNS TABLE (id uuid, name text, plan_code text, status text, status_changed_at timestamptz, created_at timestamptz,
               users bigint, numbers bigint, contacts bigint, messages_30d bigint, admin_email text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id, t.name, t.plan_code, t.status, t.status_changed_at, t.created_at,
           (SELECT count(*) FROM users u WHERE u.tenant_id = t.id),
           (SELECT count(*) FROM channels c WHERE c.tenant_id = t.id),
           (SELECT count(*) FROM contacts k WHERE k.tenant_id = t.id),
           (SELECT count(*) FROM messages m WHERE m.tenant_id = t.id AND m.created_at > now() - interval '30 days'),
           (SELECT u.email FROM users u WHERE u.tenant_id = t.id AND u.role = 'tenant_admin' ORDER BY u.created_at LIMIT 1)
    FROM tenants t WHERE t.id = p_id AND t.kind = 'business'
$$;
REVOKE EXECUTE ON FUNCTION admin_tenant(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION admin_tenant(uuid) TO whatsflow_app;

-- The platform's figures over every customer tenant.
CREATE FUNCTION admin_overview()
RETURNS TABLE (tenants bigint, suspended bigint, signups_30d bigint, mrr_minor bigint, messages_30d bigint, by_plan jsonb)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT count(*),
           count(*) FILTER (WHERE t.status = 'suspended'),
           count(*) FILTER (WHERE t.created_at > now() - interval '30 days'),
           COALESCE(sum(p.price_monthly_minor) FILTER (WHERE t.status IN ('active', 'grace')), 0)::bigint,
           (SELECT count(*) FROM messages m JOIN tenants x ON x.id = m.tenant_id
             WHERE x.kind = 'business' AND m.created_at > now() - interval '30 days'),
           COALESCE((SELECT jsonb_object_agg(plan_code, n) FROM (SELECT plan_code, count(*) AS n FROM tenants
                      WHERE kind = 'business' GROUP BY plan_code) g), '{}')
    FROM tenants t JOIN plans p ON p.code = t.plan_code
    WHERE t.kind = 'business'
$$;
REVOKE EXECUTE ON FUNCTION admin_overview() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION admin_overview() TO whatsflow_app;

-- Plans are never deleted (tenants reference them); hide one instead.
REVOKE DELETE ON plans FROM whatsflow_app;
