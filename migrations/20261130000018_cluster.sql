-- Several nodes on one Postgres (issue 16): who is alive, and which node
-- owns each partition of the conversations, under an epoch that only grows
-- (the fencing token every conversation commit carries).

CREATE TABLE cluster_nodes (
    node_id      text PRIMARY KEY CHECK (length(node_id) BETWEEN 1 AND 64),
    started_at   timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE partition_leases (
    partition  integer PRIMARY KEY CHECK (partition >= 0 AND partition < 65536),
    node_id    text,
    -- Bumped on every acquisition: a write under an older epoch is refused.
    epoch      bigint NOT NULL DEFAULT 0,
    -- By the database's clock; NULL or past: free to acquire.
    expires_at timestamptz
);
CREATE INDEX partition_leases_node_idx ON partition_leases (node_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON cluster_nodes TO whatsflow_app;
GRANT SELECT, INSERT, UPDATE ON partition_leases TO whatsflow_app;

-- Events and commands a node handed to the owner of their conversation's
-- partition.
ALTER TABLE webhook_inbox ADD COLUMN partition integer;
ALTER TABLE webhook_inbox DROP CONSTRAINT IF EXISTS webhook_inbox_kind_check;
ALTER TABLE webhook_inbox ADD CONSTRAINT webhook_inbox_kind_check CHECK (kind IN ('meta', 'replay', 'handoff', 'command'));
ALTER TABLE webhook_inbox ADD CONSTRAINT webhook_inbox_handoff_partition
    CHECK ((kind IN ('handoff', 'command')) = (partition IS NOT NULL));
