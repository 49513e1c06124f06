-- The audit log: append-only, one hash chain per tenant (and one for the
-- platform, tenant_id NULL). Each row's hash is SHA-256 of the previous
-- row's hash and the row's own fields in a fixed form, so changing or
-- removing a row breaks every hash after it. The app role can neither
-- update nor delete rows; it appends through audit_append.
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    tenant_id   uuid,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_kind  text NOT NULL CHECK (actor_kind IN ('user', 'api_key', 'system', 'anonymous')),
    actor_id    uuid,
    action      text NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
    target      text,
    before      jsonb,
    after       jsonb,
    ip          text,
    request_id  text,
    prev_hash   bytea NOT NULL,
    hash        bytea NOT NULL
);
CREATE INDEX audit_log_tenant_idx ON audit_log (tenant_id, id);
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_read ON audit_log FOR SELECT USING (tenant_id = app_tenant());
CREATE POLICY owner_access ON audit_log TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT ON audit_log TO whatsflow_app;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_log FROM whatsflow_app;

-- A row's fields in the fixed form its hash covers.
CREATE FUNCTION audit_row_bytes(a audit_log) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT convert_to(concat_ws(E'\x1f', COALESCE(a.tenant_id::text, ''), (extract(epoch FROM a.at) * 1000000)::bigint::text,
                                a.actor_kind, COALESCE(a.actor_id::text, ''), a.action, COALESCE(a.target, ''),
                                COALESCE(a.before::text, ''), COALESCE(a.after::text, ''), COALESCE(a.ip, ''),
                                COALESCE(a.request_id, '')), 'UTF8')
$$;

-- Appends one row to its tenant's chain (serialised per chain).
CREATE FUNCTION audit_append(p_tenant uuid, p_actor_kind text, p_actor_id uuid, p_action text, p_target text,
                             p_before jsonb, p_after jsonb, p_ip text, p_request_id text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    prev bytea;
    rec audit_log;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('audit:' || COALESCE(p_tenant::text, 'platform'), 0));
    SELECT hash INTO prev FROM audit_log WHERE tenant_id IS NOT DISTINCT FROM p_tenant ORDER BY id DESC LIMIT 1;
    rec.id := nextval('audit_log_id_seq');
    rec.tenant_id := p_tenant;
    rec.at := date_trunc('microseconds', clock_timestamp());
    rec.actor_kind := p_actor_kind;
    rec.actor_id := p_actor_id;
    rec.action := p_action;
    rec.target := p_target;
    rec.before := p_before;
    rec.after := p_after;
    rec.ip := p_ip;
    rec.request_id := p_request_id;
    rec.prev_hash := COALESCE(prev, '\x'::bytea);
    rec.hash := sha256(rec.prev_hash || audit_row_bytes(rec));
    INSERT INTO audit_log SELECT rec.*;
    RETURN rec.id;
END
$$;
REVOKE EXECUTE ON FUNCTION audit_append(uuid, text, uuid, text, text, jsonb, jsonb, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_append(uuid, text, uuid, text, text, jsonb, jsonb, text, text) TO whatsflow_app;

-- Checks a chain (p_all: every chain, for super-admins): the first row whose
-- stored hashes do not follow from its fields and the row before, or NULL.
CREATE FUNCTION audit_first_bad(p_tenant uuid, p_all boolean) RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
DECLARE
    r audit_log;
    prev bytea;
    chain text := NULL;
BEGIN
    FOR r IN SELECT * FROM audit_log
             WHERE p_all OR tenant_id IS NOT DISTINCT FROM p_tenant
             ORDER BY COALESCE(tenant_id::text, ''), id LOOP
        IF chain IS DISTINCT FROM COALESCE(r.tenant_id::text, '') THEN
            chain := COALESCE(r.tenant_id::text, '');
            prev := '\x'::bytea;
        END IF;
        IF r.prev_hash <> prev OR r.hash <> sha256(r.prev_hash || audit_row_bytes(r)) THEN
            RETURN r.id;
        END IF;
        prev := r.hash;
    END LOOP;
    RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION audit_first_bad(uuid, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_first_bad(uuid, boolean) TO whatsflow_app;

-- Every tenant's rows, for super-admins (the route checks the caller).
CREATE FUNCTION audit_all(p_after bigint, p_limit int)
RETURNS SETOF audit_log
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT * FROM audit_log WHERE p_after IS NULL OR id < p_after ORDER BY id DESC LIMIT p_limit
$$;
REVOKE EXECUTE ON FUNCTION audit_all(bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_all(bigint, int) TO whatsflow_app;
