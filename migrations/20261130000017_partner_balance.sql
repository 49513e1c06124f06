-- One partner's earnings to date (the payout run reads one at a time).
CREATE FUNCTION partner_balance(p_partner uuid) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT COALESCE(sum(partner_minor), 0)::bigint FROM partner_ledger WHERE partner_id = p_partner
$$;
REVOKE EXECUTE ON FUNCTION partner_balance(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION partner_balance(uuid) TO whatsflow_app;
