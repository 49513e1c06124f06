-- A domain is claimed by proving it, not by adding it: several partners may
-- add the same name, and the first to publish its TXT record holds it (so
-- nobody can squat a competitor's domain by adding it first).
ALTER TABLE partner_domains DROP CONSTRAINT partner_domains_pkey;
ALTER TABLE partner_domains ADD PRIMARY KEY (partner_id, domain);
CREATE UNIQUE INDEX partner_domains_verified ON partner_domains (domain) WHERE verified_at IS NOT NULL;
