-- Several nodes on one Postgres (issue 16): who is alive, which node owns
-- each partition of the conversations (a lease, renewed often), and the
-- partition's epoch, which only grows (the fencing token every conversation
-- commit and send hand-over carries). The epoch has its own row so that
-- commits share-lock it without ever waiting on a lease renewal.

CREATE TABLE cluster_nodes (
    node_id      text PRIMARY KEY CHECK (length(node_id) BETWEEN 1 AND 64),
    started_at   timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE partition_leases (
    partition  integer PRIMARY KEY CHECK (partition >= 0 AND partition < 65536),
    node_id    text,
    -- By the database's clock; NULL or past: free to acquire.
    expires_at timestamptz
);
CREATE INDEX partition_leases_node_idx ON partition_leases (node_id);

CREATE TABLE partition_epochs (
    partition integer PRIMARY KEY REFERENCES partition_leases (partition),
    -- Bumped on every acquisition: a write under an older epoch is refused.
    epoch     bigint NOT NULL DEFAULT 0
);

GRANT SELECT, INSERT, UPDATE, DELETE ON cluster_nodes TO whatsflow_app;
GRANT SELECT, INSERT, UPDATE ON partition_leases, partition_epochs TO whatsflow_app;

-- Events and commands a node handed to the owner of their conversation's
-- partition.
ALTER TABLE webhook_inbox ADD COLUMN partition integer;
ALTER TABLE webhook_inbox DROP CONSTRAINT IF EXISTS webhook_inbox_kind_check;
ALTER TABLE webhook_inbox ADD CONSTRAINT webhook_inbox_kind_check CHECK (kind IN ('meta', 'replay', 'handoff', 'command'));
ALTER TABLE webhook_inbox ADD CONSTRAINT webhook_inbox_handoff_partition
    CHECK ((kind IN ('handoff', 'command')) = (partition IS NOT NULL));
