-- When a campaign last started or resumed: the failures that paused it
-- before are not held against it again.
ALTER TABLE campaigns ADD COLUMN running_since timestamptz;

-- The platform's rates are readable by every tenant but written only by the
-- platform (the owner); a tenant reads and writes only its own.
DROP POLICY tenant_rates ON rate_cards;
CREATE POLICY tenant_rates_read ON rate_cards FOR SELECT USING (tenant_id IS NULL OR tenant_id = app_tenant());
CREATE POLICY tenant_rates_insert ON rate_cards FOR INSERT WITH CHECK (tenant_id = app_tenant());
CREATE POLICY tenant_rates_update ON rate_cards FOR UPDATE USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
CREATE POLICY tenant_rates_delete ON rate_cards FOR DELETE USING (tenant_id = app_tenant());
