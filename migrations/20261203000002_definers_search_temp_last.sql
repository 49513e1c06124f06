-- Definer functions search the temporary schema last. Without `pg_temp`
-- named in a function's search_path, Postgres looks up tables in the
-- caller's temporary schema *first*, so a session of the app role could
-- create `TEMP TABLE users` or `waba_owners` and have a definer function
-- (which reads past row security on purpose) trust rows it forged: sign in
-- as anyone, route another WABA's webhooks to its tenant. Naming `pg_temp`
-- last is the arrangement Postgres's documentation gives for SECURITY
-- DEFINER functions; the security tests check every definer function keeps
-- it, so a later migration that recreates one cannot drop it unseen.
DO $$
DECLARE f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = public, pg_temp', f);
    END LOOP;
END
$$;
