-- What agents answered to what customers asked: the offline engine of
-- smart replies searches the questions (a full-text index) and suggests
-- the answers. Written when an agent answers a waiting customer (agents'
-- messages, not customers'); kept for a year.
CREATE TABLE answer_memory (
    id            bigserial PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    -- Where it was said (an agent sees suggestions from what they may see;
    -- erasing a contact erases these).
    conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    question      text NOT NULL CHECK (length(question) <= 4096),
    answer        text NOT NULL CHECK (length(answer) <= 4096),
    question_tsv  tsvector GENERATED ALWAYS AS (to_tsvector('simple', question)) STORED,
    agent_id      uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX answer_memory_search_idx ON answer_memory USING gin (question_tsv);
CREATE INDEX answer_memory_tenant_idx ON answer_memory (tenant_id, created_at);
SELECT wf_protect_tenant_table('answer_memory');

-- Retention: answers older than a year go, in batches.
CREATE FUNCTION purge_answer_memory(p_limit integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE v_n integer;
BEGIN
    DELETE FROM answer_memory WHERE id IN (SELECT id FROM answer_memory WHERE created_at < now() - interval '365 days' ORDER BY created_at LIMIT p_limit);
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN v_n;
END
$$;
REVOKE EXECUTE ON FUNCTION purge_answer_memory(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION purge_answer_memory(integer) TO whatsflow_app;
