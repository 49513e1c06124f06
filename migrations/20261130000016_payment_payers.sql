-- Who paid: the payer's phone and payment method as Razorpay reports them
-- (`card:<card_id>`, `vpa:<address>`, `token:<token_id>`), so a referral
-- paid for with the affiliate's own phone or payment method is refused.
ALTER TABLE payments ADD COLUMN payer_contact text CHECK (length(payer_contact) <= 32);
ALTER TABLE payments ADD COLUMN payer_method text CHECK (length(payer_method) <= 120);

-- The payment methods an affiliate's own account paid with: callable by
-- the app role; billing checks a referred account's payments against them.
CREATE FUNCTION affiliate_own_methods(p_affiliate uuid) RETURNS TABLE (payer_method text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT DISTINCT p.payer_method FROM payments p
    JOIN users u ON u.tenant_id = p.tenant_id JOIN affiliates a ON a.user_id = u.id
    WHERE a.id = p_affiliate AND p.payer_method IS NOT NULL
$$;
REVOKE EXECUTE ON FUNCTION affiliate_own_methods(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION affiliate_own_methods(uuid) TO whatsflow_app;

-- A month whose automatic payout run failed is un-marked and run again.
GRANT DELETE ON payout_runs TO whatsflow_app;
