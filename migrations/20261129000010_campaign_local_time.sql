-- Recipients' own clocks. A campaign has the business's time zone (for
-- recipients whose zone is unknown), optional quiet hours (no recipient is
-- sent to while it is quiet time in their zone) and optionally a local send
-- time ({"date", "time"}: each recipient at that wall-clock time in their
-- zone). Each recipient keeps the zone resolved at launch and, for a local
-- send, when their turn comes.
ALTER TABLE campaigns
    ADD COLUMN timezone text NOT NULL DEFAULT 'UTC',
    ADD COLUMN quiet_hours jsonb,
    ADD COLUMN local_send jsonb;
ALTER TABLE campaign_recipients
    ADD COLUMN timezone text,
    ADD COLUMN send_after timestamptz;

-- Whether a time of day is inside [start, end), wrapping past midnight
-- when start is after end (21:00 to 09:00).
CREATE FUNCTION in_quiet_hours(t time, start_at time, end_at time) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN start_at < end_at THEN t >= start_at AND t < end_at ELSE t >= start_at OR t < end_at END
$$;

-- Whether a pending recipient must still wait for their own clock: their
-- local send time has not come, or it is quiet time where they are.
CREATE FUNCTION waits_for_local_time(send_after timestamptz, zone text, quiet jsonb) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(send_after > now(), false)
        OR (quiet IS NOT NULL AND in_quiet_hours((now() AT TIME ZONE COALESCE(zone, 'UTC'))::time,
                                                 (quiet ->> 'start')::time, (quiet ->> 'end')::time))
$$;
