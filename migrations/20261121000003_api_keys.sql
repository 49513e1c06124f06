-- API keys: for servers calling whatsflow. Only the SHA-256 of a key is
-- stored; the key itself is shown once, at creation.
CREATE TABLE api_keys (
    id            uuid PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix        text NOT NULL,
    key_hash      bytea NOT NULL UNIQUE,
    scopes        text[] NOT NULL,
    created_by    uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id, created_at);
ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON api_keys USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON api_keys TO whatsflow_app;

-- Authentication by key: the live key with this hash, whatever its tenant.
CREATE FUNCTION auth_api_key(p_hash bytea)
RETURNS TABLE (id uuid, tenant_id uuid, scopes text[], created_by uuid)
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    UPDATE api_keys k SET last_used_at = now()
    WHERE k.key_hash = p_hash AND k.revoked_at IS NULL
    RETURNING k.id, k.tenant_id, k.scopes, k.created_by
$$;
GRANT EXECUTE ON FUNCTION auth_api_key(bytea) TO whatsflow_app;
