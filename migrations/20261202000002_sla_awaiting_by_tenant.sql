-- The SLA sweep's first-response candidates by tenant.
--
-- Since the sweep asks one tenant with a policy at a time, each question
-- must be a range of that tenant's own conversations. The resolution
-- branch had one (conversations_sla_open_idx); the first-response branch
-- could only use conversations_awaiting_idx, which holds every tenant's
-- waiting conversations, so with many tenants having a policy each sweep
-- could read that whole index once per tenant. This index holds exactly
-- the conversations that can miss a first-response target (waiting, not
-- yet answered, open or pending, not yet marked), by tenant and by how
-- long they have waited. It changes only when a conversation starts or
-- stops waiting, when it is first answered, and when it is marked.

CREATE INDEX conversations_sla_awaiting_idx ON conversations (tenant_id, awaiting_since)
    WHERE awaiting_since IS NOT NULL AND first_response_at IS NULL AND status IN ('open', 'pending') AND sla_breached_at IS NULL;
