-- The SaaS platform's plans and each tenant's plan and billing state.
-- Prices are in minor units (paise); a null price is "custom" (invoiced).
-- Limits are counts a tenant may have (null: unlimited); features are the
-- capabilities the plan includes.
CREATE TABLE plans (
    code                 text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,31}$'),
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    currency             text NOT NULL DEFAULT 'INR',
    price_monthly_minor  bigint CHECK (price_monthly_minor >= 0),
    price_annual_minor   bigint CHECK (price_annual_minor >= 0),
    limits               jsonb NOT NULL DEFAULT '{}',
    features             text[] NOT NULL DEFAULT '{}',
    position             integer NOT NULL DEFAULT 0,
    active               boolean NOT NULL DEFAULT true,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
-- Platform data, not a tenant's: every tenant reads the plans (its own
-- limits, the upgrade path); only super-admins' routes write them.
GRANT SELECT, INSERT, UPDATE ON plans TO whatsflow_app;

INSERT INTO plans (code, name, price_monthly_minor, price_annual_minor, limits, features, position) VALUES
    ('starter', 'Starter', 99900, 999000,
     '{"monthly_unique_users": 1000, "agents": 3, "numbers": 1, "flows": 5}', ARRAY['broadcasts'], 1),
    ('professional', 'Professional', 299900, 2999000,
     '{"monthly_unique_users": 5000, "agents": 10, "numbers": 2, "flows": 25}', ARRAY['broadcasts', 'api_access'], 2),
    ('business', 'Business', 799900, 7999000,
     '{"monthly_unique_users": 25000, "agents": 25, "numbers": 5, "flows": 100}', ARRAY['broadcasts', 'api_access', 'ai'], 3),
    ('enterprise', 'Enterprise', NULL, NULL,
     '{"monthly_unique_users": null, "agents": null, "numbers": null, "flows": null}', ARRAY['broadcasts', 'api_access', 'ai'], 4);

-- A tenant's plan and where its account stands; the platform's own tenant
-- (kind 'platform') holds the super-admins and is not a customer.
ALTER TABLE tenants
    ADD COLUMN plan_code text NOT NULL DEFAULT 'starter' REFERENCES plans(code),
    ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'grace', 'restricted', 'suspended')),
    ADD COLUMN status_changed_at timestamptz,
    ADD COLUMN kind text NOT NULL DEFAULT 'business' CHECK (kind IN ('business', 'platform'));

-- Sign-in refuses a suspended tenant's people, with how to pay.
DROP FUNCTION auth_user_by_email(text);
CREATE FUNCTION auth_user_by_email(p_email text)
RETURNS TABLE (id uuid, tenant_id uuid, password_hash text, locked_until timestamptz, tenant_status text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT u.id, u.tenant_id, u.password_hash, u.locked_until, t.status
    FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE lower(u.email) = lower(p_email)
$$;
REVOKE EXECUTE ON FUNCTION auth_user_by_email(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_user_by_email(text) TO whatsflow_app;

-- A suspended tenant's API keys authenticate nothing.
DROP FUNCTION auth_api_key(bytea);
CREATE FUNCTION auth_api_key(p_hash bytea)
RETURNS TABLE (id uuid, tenant_id uuid, scopes text[], created_by uuid)
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    UPDATE api_keys k SET last_used_at = now()
    WHERE k.key_hash = p_hash AND k.revoked_at IS NULL
      AND EXISTS (SELECT 1 FROM tenants t WHERE t.id = k.tenant_id AND t.status <> 'suspended')
    RETURNING k.id, k.tenant_id, k.scopes, k.created_by
$$;
REVOKE EXECUTE ON FUNCTION auth_api_key(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_api_key(bytea) TO whatsflow_app;

-- The super-admins' view across tenants: each customer tenant with its
-- plan, state and size. Callable by the app role; the route checks the
-- caller is a super-admin.
CREATE FUNCTION admin_tenants(p_search text, p_limit int)
RETURNS TABLE (id uuid, name text, plan_code text, status text, status_changed_at timestamptz, created_at timestamptz,
               users bigint, numbers bigint, contacts bigint, messages_30d bigint, admin_email text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id, t.name, t.plan_code, t.status, t.status_changed_at, t.created_at,
           (SELECT count(*) FROM users u WHERE u.tenant_id = t.id),
           (SELECT count(*) FROM channels c WHERE c.tenant_id = t.id),
           (SELECT count(*) FROM contacts k WHERE k.tenant_id = t.id),
           (SELECT count(*) FROM messages m WHERE m.tenant_id = t.id AND m.created_at > now() - interval '30 days'),
           (SELECT u.email FROM users u WHERE u.tenant_id = t.id AND u.role = 'tenant_admin' ORDER BY u.created_at LIMIT 1)
    FROM tenants t
    WHERE t.kind = 'business'
      AND (p_search IS NULL OR t.name ILIKE '%' || p_search || '%'
           OR EXISTS (SELECT 1 FROM users u WHERE u.tenant_id = t.id AND u.email ILIKE '%' || p_search || '%'))
    ORDER BY t.created_at DESC, t.id
    LIMIT p_limit
$$;
REVOKE EXECUTE ON FUNCTION admin_tenants(text, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION admin_tenants(text, int) TO whatsflow_app;

-- Changes a customer tenant's plan or state (null: unchanged): its id, and
-- the people whose sessions suspending it ended (no row: no such tenant).
CREATE FUNCTION admin_update_tenant(p_id uuid, p_plan text, p_status text)
RETURNS TABLE (id uuid, ended uuid[])
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    WITH t AS (
        UPDATE tenants SET plan_code = COALESCE(p_plan, plan_code),
               status_changed_at = CASE WHEN p_status IS NOT NULL AND p_status <> status THEN now() ELSE status_changed_at END,
               status = COALESCE(p_status, status)
        WHERE tenants.id = p_id AND kind = 'business' RETURNING tenants.id, tenants.status),
    ended AS (
        UPDATE users SET token_version = token_version + 1
        WHERE p_status = 'suspended' AND tenant_id IN (SELECT t.id FROM t WHERE t.status = 'suspended') RETURNING users.id)
    SELECT t.id, ARRAY(SELECT ended.id FROM ended) FROM t
$$;
REVOKE EXECUTE ON FUNCTION admin_update_tenant(uuid, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION admin_update_tenant(uuid, text, text) TO whatsflow_app;

-- Makes (or finds) the platform's own tenant and a super-admin in it: the
-- command line's `admin create-super-admin` and the demo.
CREATE FUNCTION ensure_platform_tenant() RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    found uuid;
BEGIN
    SELECT id INTO found FROM tenants WHERE kind = 'platform' LIMIT 1;
    IF found IS NULL THEN
        found := gen_random_uuid();
        INSERT INTO tenants (id, name, kind, plan_code) VALUES (found, 'whatsflow platform', 'platform', 'enterprise');
    END IF;
    RETURN found;
END
$$;
REVOKE EXECUTE ON FUNCTION ensure_platform_tenant() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ensure_platform_tenant() TO whatsflow_app;
