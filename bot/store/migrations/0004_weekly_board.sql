-- The optional weekly leaderboard post on a channel's schedule (issue 7). It rides on the
-- scheduler's outbox: the outbox row is the claim, its unique claim_key holds one post per
-- schedule and local week across processes, and the lease, retry and expiry rules are the
-- ones every channel post already follows.

-- Which weekday the board posts (0 = Monday, NULL = off), whether it counts only this
-- channel's drills, and since when: like a schedule, a board starts with its next slot.
ALTER TABLE schedules ADD COLUMN board_day INTEGER CHECK (board_day BETWEEN 0 AND 6);
ALTER TABLE schedules ADD COLUMN board_here INTEGER NOT NULL DEFAULT 0;
ALTER TABLE schedules ADD COLUMN board_since TEXT;

-- The outbox learns a fourth kind. A board post has no delivery (it is rendered from the
-- board tables when sent), so delivery_id may be NULL for it alone. SQLite cannot change a
-- CHECK in place: the table is rebuilt with every row, then its indexes are made again.
-- Nothing references the outbox, so dropping the old table cascades nowhere.
CREATE TABLE outbox_0004 (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('channel', 'reveal', 'review', 'board')),
    priority        INTEGER NOT NULL,
    position        INTEGER NOT NULL DEFAULT 0,
    delivery_id     TEXT REFERENCES deliveries(id),
    run_id          TEXT,
    batch_id        TEXT REFERENCES review_batches(id) ON DELETE CASCADE,
    member_id       TEXT REFERENCES members(id) ON DELETE CASCADE,
    platform        TEXT NOT NULL,
    space           TEXT NOT NULL DEFAULT '',
    channel         TEXT,
    thread          TEXT,
    user_id         TEXT,
    footer          TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'expired')),
    owner           TEXT,
    lease_until     TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    not_before      TEXT NOT NULL,
    expires_at      TEXT,
    last_error      TEXT,
    message_ref     TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    schedule_id     TEXT,                           -- board posts: the schedule that asked for it
    claim_key       TEXT,                           -- board posts: board:<schedule id>:<Monday of the local week>
    CHECK (delivery_id IS NOT NULL OR kind = 'board'),
    UNIQUE (delivery_id, kind)
);
INSERT INTO outbox_0004 (id, kind, priority, position, delivery_id, run_id, batch_id, member_id, platform, space,
                         channel, thread, user_id, footer, status, owner, lease_until, attempts, not_before,
                         expires_at, last_error, message_ref, created_at, sent_at)
SELECT id, kind, priority, position, delivery_id, run_id, batch_id, member_id, platform, space,
       channel, thread, user_id, footer, status, owner, lease_until, attempts, not_before,
       expires_at, last_error, message_ref, created_at, sent_at
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_0004 RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox (priority, created_at, position) WHERE status = 'pending';
CREATE INDEX outbox_run ON outbox (run_id);
CREATE INDEX outbox_batch ON outbox (batch_id);
CREATE INDEX outbox_member ON outbox (member_id);
-- NULLs are distinct in SQLite and PostgreSQL alike: only board posts carry a key.
CREATE UNIQUE INDEX outbox_claim ON outbox (claim_key);
CREATE INDEX outbox_schedule ON outbox (schedule_id, created_at);
