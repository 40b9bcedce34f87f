-- Platform deliveries already acted on, shared by every process on the database: Slack's retry
-- and replay keys (event_id, trigger_id) and a clicked "Post to channel" button. The first
-- INSERT wins; a retry that lands on another worker, a replay after a restart and a double click
-- find the row and do nothing. The scheduler's tick prunes rows older than an hour (Slack retries
-- within minutes; the signature refuses anything older than five).
CREATE TABLE inbound_keys (
    platform  TEXT NOT NULL,
    key       TEXT NOT NULL,
    seen_at   TEXT NOT NULL,
    PRIMARY KEY (platform, key)
);
CREATE INDEX inbound_keys_seen ON inbound_keys (seen_at);
