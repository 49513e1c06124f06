-- Who started a flow run by hand and who stopped it, so the thread says
-- "Ravi stopped the bot" (NULL: a trigger started it, or it ended itself).
ALTER TABLE flow_runs
    ADD COLUMN started_by uuid REFERENCES users(id) ON DELETE SET NULL,
    ADD COLUMN stopped_by uuid REFERENCES users(id) ON DELETE SET NULL;
