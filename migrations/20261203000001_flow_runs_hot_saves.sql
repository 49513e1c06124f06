-- Flow-run saves as HOT updates (issue 19). The one-active-run index was
-- partial on `status`, so every save that moved a run between running,
-- waiting and paused changed a column the index depends on, and Postgres
-- wrote a new entry into all four indexes of flow_runs for it. A run is
-- active exactly while it has not ended (the check below makes that a
-- rule), so the index now depends on `ended_at`, which only the last save
-- of a run sets; the saves between no longer touch an indexed column, and
-- are HOT wherever their page has room for the new row version.
UPDATE flow_runs SET ended_at = updated_at WHERE status IN ('completed', 'failed', 'stopped') AND ended_at IS NULL;
UPDATE flow_runs SET ended_at = NULL WHERE status IN ('running', 'waiting', 'paused') AND ended_at IS NOT NULL;
ALTER TABLE flow_runs ADD CONSTRAINT flow_runs_active_until_ended
    CHECK ((ended_at IS NULL) = (status IN ('running', 'waiting', 'paused')));
DROP INDEX flow_runs_active_key;
CREATE UNIQUE INDEX flow_runs_active_key ON flow_runs (conversation_id) WHERE ended_at IS NULL;

