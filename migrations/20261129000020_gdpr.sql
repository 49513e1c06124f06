-- GDPR: a contact's erasure (their messages' bodies, notes, campaign rows
-- and raw webhooks emptied, their identity anonymised; counts, invoices and
-- the audit log kept without personal data), and a tenant's deletion after a
-- grace period (everything but its legal records: invoices, payments and
-- the audit log).

ALTER TABLE contacts ADD COLUMN erased_at timestamptz;

ALTER TABLE tenants
    ADD COLUMN deletion_due_at timestamptz,
    ADD COLUMN deleted_at timestamptz;
GRANT UPDATE (deletion_due_at) ON tenants TO whatsflow_app;

-- The settled raw webhooks that mention any of `p_needles` (a contact's
-- phone digits or user id) are emptied; webhooks not yet applied are left
-- to be applied. Returns how many were emptied.
CREATE FUNCTION erase_inbox_mentions(p_needles text[]) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    WITH hit AS (
        UPDATE webhook_inbox SET body = convert_to('{"erased":true}', 'UTF8')
        WHERE processed_at IS NOT NULL
          AND EXISTS (SELECT 1 FROM unnest(p_needles) n WHERE length(n) >= 5 AND position(convert_to(n, 'UTF8') in body) > 0)
        RETURNING 1)
    SELECT count(*) FROM hit
$$;
REVOKE EXECUTE ON FUNCTION erase_inbox_mentions(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erase_inbox_mentions(text[]) TO whatsflow_app;

-- Deletes the tenants whose grace period ended: every row of theirs except
-- invoices, payments, subscriptions, usage and the audit log (legal and
-- financial records); their people are removed, the account is renamed and
-- suspended. Returns each tenant purged (user_id null) and its people that
-- were removed (whose sessions end).
CREATE FUNCTION purge_due_tenants() RETURNS TABLE (tenant_id uuid, user_id uuid)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    t uuid;
    tbl text;
BEGIN
    FOR t IN SELECT tn.id FROM tenants tn WHERE tn.kind = 'business' AND tn.deleted_at IS NULL AND tn.deletion_due_at <= now() FOR UPDATE SKIP LOCKED LOOP
        RETURN QUERY SELECT t, NULL::uuid UNION ALL SELECT t, u.id FROM users u WHERE u.tenant_id = t;
        FOREACH tbl IN ARRAY ARRAY[
            'held_events', 'notes', 'flow_runs', 'campaign_recipients', 'campaign_audience_rows', 'campaigns', 'segments',
            'messages', 'conversations', 'dead_letters', 'contacts', 'flow_versions', 'flows', 'templates', 'api_keys',
            'messaging_limits', 'channels', 'meta_apps', 'waba_owners', 'rate_cards', 'billing_details', 'auth_tokens',
            'refresh_tokens', 'usage_alerts', 'users']
        LOOP
            IF EXISTS (SELECT 1 FROM information_schema.columns ic WHERE ic.table_schema = 'public' AND ic.table_name = tbl AND ic.column_name = 'tenant_id') THEN
                EXECUTE format('DELETE FROM %I x WHERE x.tenant_id = $1', tbl) USING t;
            END IF;
        END LOOP;
        UPDATE tenants SET name = 'deleted account', status = 'suspended', status_reason = 'operator', status_changed_at = now(),
               deleted_at = now(), stop_keywords = '{}', start_keywords = '{}'
        WHERE tenants.id = t;
    END LOOP;
END
$$;
REVOKE EXECUTE ON FUNCTION purge_due_tenants() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION purge_due_tenants() TO whatsflow_app;
