-- The affiliate programme's rows belong to the affiliate, not to a tenant:
-- every query names the affiliate the route resolved from its caller (or,
-- in billing's transaction, the referred account it is settling). The
-- accounts they mention are references, named for what they are; an
-- affiliate is a person, found by their user.
ALTER TABLE referrals RENAME COLUMN tenant_id TO referred_tenant_id;
ALTER TABLE commissions RENAME COLUMN tenant_id TO referred_tenant_id;
ALTER TABLE affiliates DROP COLUMN tenant_id;

CREATE OR REPLACE FUNCTION referred_tenants(p_affiliate uuid) RETURNS TABLE (id uuid, name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id, t.name FROM tenants t JOIN referrals r ON r.referred_tenant_id = t.id WHERE r.affiliate_id = p_affiliate
$$;
