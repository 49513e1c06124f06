-- A message's statuses are the most frequent update in the database: a
-- send is recorded as attempted, accepted with its wamid, then sent,
-- delivered and read, and a campaign makes a thousand of each a second.
-- Postgres can write such an update beside the old row on its own page
-- without touching any index (a heap-only tuple, "HOT") only when no
-- column an index depends on, in its keys or in its predicate, changes,
-- and when the page has room. Every status update paid for a new entry in
-- each of messages' indexes, because two of them depended on the status:
--
-- * `messages_status_seq_idx` indexed the sequence of the latest status
--   change. Its only reader is a reconnecting socket catching up on one
--   conversation, which now reads that conversation's messages through
--   `messages_conversation_idx`: a conversation's rows, once per reconnect,
--   instead of an index entry per status change of every message.
-- * the index of sends still to go named `status = 'pending'`. A send
--   still to go has no wamid and has not failed (a failed send always
--   carries `failed_at`, and a send made pending again, an unconfirmed one
--   resent, never failed), so it now depends on those instead.
--
-- And messages' pages keep a fifth of their room free for those versions.
-- (The update that records the wamid still changes an indexed column, and
-- a failure sets `failed_at`; the statuses after the wamid change neither.)
DROP INDEX messages_status_seq_idx;

CREATE INDEX messages_unsent_idx ON messages (tenant_id, created_at)
    WHERE direction = 'outbound' AND wamid IS NULL AND failed_at IS NULL;
DROP INDEX messages_pending_outbound_idx;

CREATE OR REPLACE FUNCTION pending_outbound()
RETURNS TABLE (tenant_id uuid, message_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT m.tenant_id, m.id FROM messages m
    WHERE m.direction = 'outbound' AND m.wamid IS NULL AND m.failed_at IS NULL AND m.status = 'pending'
    ORDER BY m.created_at
$$;

ALTER TABLE messages SET (fillfactor = 80);
