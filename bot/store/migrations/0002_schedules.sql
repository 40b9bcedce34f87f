-- Scheduling: per-channel schedules, daily runs claimed once per local date, review batches
-- claimed once per member and local date, and an outbox of every message recorded before it
-- is sent. Claims are unique keys plus a lease (owner, lease_until), never locks in memory.

-- One schedule per channel. Channel ids are unique per platform on Slack and Discord,
-- so (platform, channel) is the key. space is informational, filled in from chat.
CREATE TABLE schedules (
    id              TEXT PRIMARY KEY,
    platform        TEXT NOT NULL,
    space           TEXT NOT NULL DEFAULT '',
    channel         TEXT NOT NULL,
    at_time         TEXT NOT NULL,             -- HH:MM in tz
    tz              TEXT NOT NULL,             -- IANA zone name
    days            TEXT NOT NULL,             -- mon,tue,wed,thu,fri
    window_minutes  INTEGER NOT NULL,
    created_by      TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (platform, channel)
);

-- A schedule's drill on one local date. No foreign key to schedules: removing a schedule
-- stops future runs, and an open run still gets its reveal.
CREATE TABLE daily_runs (
    id              TEXT PRIMARY KEY,
    schedule_id     TEXT NOT NULL,
    local_date      TEXT NOT NULL,             -- YYYY-MM-DD in the schedule's zone
    platform        TEXT NOT NULL,
    space           TEXT NOT NULL,
    channel         TEXT NOT NULL,
    tz              TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('claimed', 'ready', 'revealing', 'closed', 'missed')),
    owner           TEXT,
    lease_until     TEXT,
    drill_id        TEXT,
    cycle           INTEGER,
    delivery_id     TEXT,
    due_at          TEXT NOT NULL,
    closes_at       TEXT NOT NULL,
    claimed_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (schedule_id, local_date)
);
CREATE INDEX daily_runs_status ON daily_runs (status, closes_at);
CREATE INDEX daily_runs_channel ON daily_runs (platform, channel, claimed_at);

-- The channel whose daily time a member's review DMs follow: the last one they answered in.
CREATE TABLE member_channels (
    member_id       TEXT PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
    schedule_id     TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

-- One batch of review DMs per member per local date: the daily cap and the claim in one key.
CREATE TABLE review_batches (
    id              TEXT PRIMARY KEY,
    member_id       TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    local_date      TEXT NOT NULL,
    zone            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('claimed', 'ready')),
    owner           TEXT,
    lease_until     TEXT,
    cards           INTEGER NOT NULL DEFAULT 0,
    expires_at      TEXT NOT NULL,             -- quiet hours begin (21:00 member local time)
    created_at      TEXT NOT NULL,
    UNIQUE (member_id, local_date)
);
CREATE INDEX review_batches_claimed ON review_batches (status, lease_until);

-- Every channel post, reveal and review DM, written before it is sent. A sender claims rows
-- with a lease; after a crash another sender takes them over once the lease has expired.
-- UNIQUE (delivery_id, kind) makes "one reveal per post" a key, not a promise.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('channel', 'reveal', 'review')),
    priority        INTEGER NOT NULL,
    position        INTEGER NOT NULL DEFAULT 0,     -- order within its batch: most overdue first
    delivery_id     TEXT NOT NULL REFERENCES deliveries(id),
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
    UNIQUE (delivery_id, kind)
);
CREATE INDEX outbox_pending ON outbox (priority, created_at, position) WHERE status = 'pending';
CREATE INDEX outbox_run ON outbox (run_id);
CREATE INDEX outbox_batch ON outbox (batch_id);
CREATE INDEX outbox_member ON outbox (member_id);

-- Planning a day's reviews reads each member's earliest due cards: a range per member.
CREATE INDEX review_cards_member_due ON review_cards (member_id, due, drill_id);
