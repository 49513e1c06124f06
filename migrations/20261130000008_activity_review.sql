-- Review of the conversation activity: a status change is credited to whom
-- changed the status (not to whoever assigned in the same write), names are
-- read within the conversation's own tenant only, entries written by one
-- statement keep their order, the thread's flow runs are found by index,
-- and a number's quality webhooks are ordered by Meta's own clock.

-- Who changed the status (transient like changed_by, which now means who
-- changed the assignee or the team).
ALTER TABLE conversations ADD COLUMN status_by uuid;

CREATE OR REPLACE FUNCTION conversation_activity_record() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    assigner uuid := (SELECT u.id FROM users u WHERE u.id = NEW.changed_by AND u.tenant_id = NEW.tenant_id);
    resolver uuid := (SELECT u.id FROM users u WHERE u.id = NEW.status_by AND u.tenant_id = NEW.tenant_id);
BEGIN
    IF NEW.assignee_id IS DISTINCT FROM OLD.assignee_id THEN
        INSERT INTO conversation_activity (tenant_id, conversation_id, kind, detail, actor_id)
        VALUES (NEW.tenant_id, NEW.id,
                CASE WHEN NEW.assignee_id IS NULL THEN 'unassigned' ELSE 'assigned' END,
                (SELECT left(u.name, 1024) FROM users u WHERE u.id = NEW.assignee_id AND u.tenant_id = NEW.tenant_id), assigner);
    END IF;
    IF NEW.team_id IS DISTINCT FROM OLD.team_id THEN
        INSERT INTO conversation_activity (tenant_id, conversation_id, kind, detail, actor_id)
        VALUES (NEW.tenant_id, NEW.id, 'team_changed',
                (SELECT left(t.name, 1024) FROM teams t WHERE t.id = NEW.team_id AND t.tenant_id = NEW.tenant_id), assigner);
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        INSERT INTO conversation_activity (tenant_id, conversation_id, kind, actor_id)
        VALUES (NEW.tenant_id, NEW.id,
                CASE WHEN NEW.status IN ('resolved', 'closed') THEN 'resolved'
                     WHEN OLD.status IN ('resolved', 'closed') THEN 'reopened'
                     ELSE NEW.status END, resolver);
    END IF;
    NEW.changed_by := NULL;
    NEW.status_by := NULL;
    RETURN NEW;
END $$;
DROP TRIGGER conversations_activity ON conversations;
CREATE TRIGGER conversations_activity BEFORE UPDATE ON conversations FOR EACH ROW
    WHEN (NEW.changed_by IS NOT NULL OR NEW.status_by IS NOT NULL OR NEW.assignee_id IS DISTINCT FROM OLD.assignee_id
          OR NEW.team_id IS DISTINCT FROM OLD.team_id OR NEW.status IS DISTINCT FROM OLD.status)
    EXECUTE FUNCTION conversation_activity_record();

-- Several entries of one statement (an assignment and a status change)
-- get distinct times in the order written.
ALTER TABLE conversation_activity ALTER COLUMN created_at SET DEFAULT clock_timestamp();

-- A conversation's runs, for its thread.
CREATE INDEX flow_runs_conversation_idx ON flow_runs (conversation_id, started_at);

-- When Meta last reported the number's tier or quality event (its
-- webhook's time): a report older than this one changes nothing. Reads
-- from the Graph API do not take part in that order.
ALTER TABLE channels ADD COLUMN quality_reported_at timestamptz;
