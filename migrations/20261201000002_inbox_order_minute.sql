-- A message's counters update without a new index entry per index.
--
-- Each message updates its conversation's counters (last_seq, unread,
-- last_message_at, ...). The inbox-order index held last_message_at, so
-- every such update changed an indexed column and Postgres wrote a new
-- entry into each of the conversation's indexes (not a HOT update): index
-- maintenance was the largest single item of Postgres's time at one event
-- per POST (BENCHMARKS.md).
--
-- The inbox is now ordered through `inbox_minute`, the minute of the last
-- activity (UTC), a stored generated column: it changes at most once a
-- minute per conversation, so the updates in between leave every index
-- alone and can be HOT. The list sorts by that minute, then by the exact
-- time and id within it (Postgres's incremental sort over the index), in
-- exactly the order as before. Pages keep a fifth free so a row's new
-- version fits beside the old one (HOT needs the same page); adding the
-- column rewrites the table, which packs it with that fill factor.
--
-- Deploying: the rewrite holds an exclusive lock on conversations while it
-- copies the table and rebuilds its indexes, so writes wait meanwhile; on
-- an installation with millions of conversations, run it in a quiet hour.

ALTER TABLE conversations SET (fillfactor = 80);
ALTER TABLE conversations ADD COLUMN inbox_minute timestamp
    GENERATED ALWAYS AS (date_trunc('minute', COALESCE(last_message_at, created_at) AT TIME ZONE 'UTC')) STORED;
DROP INDEX conversations_tenant_idx;
CREATE INDEX conversations_inbox_order_idx ON conversations (tenant_id, inbox_minute DESC);
