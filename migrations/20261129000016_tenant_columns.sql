-- The app role writes only the tenant columns its routes change: a new
-- tenant's name and plan at sign-up, and its consent keywords. Its plan
-- and state after that (status, kind) change only through the operators'
-- definer functions.
REVOKE INSERT, UPDATE, DELETE ON tenants FROM whatsflow_app;
GRANT INSERT (id, name, plan_code) ON tenants TO whatsflow_app;
GRANT UPDATE (stop_keywords, start_keywords) ON tenants TO whatsflow_app;
