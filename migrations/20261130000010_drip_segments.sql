-- Sequences that enrol a segment's members: (tenant, sequence, segment) of
-- each running one, for the sweep that enrols those who joined.
CREATE FUNCTION drips_enrolling_segments()
RETURNS TABLE (tenant_id uuid, id uuid, segment_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT c.tenant_id, c.id, (c.drip->>'enroll_segment_id')::uuid FROM campaigns c JOIN tenants t ON t.id = c.tenant_id
    WHERE c.kind = 'drip' AND c.status = 'running' AND c.drip->>'enroll_segment_id' IS NOT NULL
      AND t.status NOT IN ('suspended', 'restricted')
$$;
REVOKE EXECUTE ON FUNCTION drips_enrolling_segments() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION drips_enrolling_segments() TO whatsflow_app;
