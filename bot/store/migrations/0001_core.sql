-- Core schema: members, deliveries, answers, review cards.
-- Written in the SQL subset SQLite and PostgreSQL share: text ids, UTC ISO timestamps as text,
-- ON CONFLICT, RETURNING. Every cross-process claim is a unique key here, never a lock in memory.

CREATE TABLE members (
    id            TEXT PRIMARY KEY,             -- platform:space:user_id
    platform      TEXT NOT NULL,
    space         TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    display_name  TEXT NOT NULL DEFAULT '',
    tz            TEXT,
    paused_until  TEXT,
    opted_out     INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    UNIQUE (platform, space, user_id)
);

-- A drill shown to one member (on demand, review) or to a channel (member_id NULL).
-- option_order is the shuffled order as shown: a JSON list, letter i -> original option index.
CREATE TABLE deliveries (
    id            TEXT PRIMARY KEY,
    drill_id      TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('on_demand', 'channel', 'review')),
    member_id     TEXT REFERENCES members(id) ON DELETE CASCADE,
    platform      TEXT NOT NULL,
    space         TEXT NOT NULL,
    channel       TEXT,
    option_order  TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    closes_at     TEXT,
    closed_at     TEXT,
    message_ref   TEXT
);
CREATE INDEX deliveries_member ON deliveries (member_id, created_at);

-- A member's first answer to a delivery counts; the unique key makes a repeat a no-op.
CREATE TABLE answers (
    id            TEXT PRIMARY KEY,
    delivery_id   TEXT NOT NULL REFERENCES deliveries(id),
    member_id     TEXT NOT NULL REFERENCES members(id),
    drill_id      TEXT NOT NULL,
    option_index  INTEGER NOT NULL,
    correct       INTEGER NOT NULL,
    answered_at   TEXT NOT NULL,
    UNIQUE (delivery_id, member_id)
);
CREATE INDEX answers_member ON answers (member_id, answered_at);
CREATE INDEX answers_drill ON answers (drill_id);

-- FSRS state per member x drill; due is indexed so planning a day's reviews is a range scan.
CREATE TABLE review_cards (
    member_id     TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    drill_id      TEXT NOT NULL,
    state         INTEGER NOT NULL,
    step          INTEGER,
    stability     REAL,
    difficulty    REAL,
    due           TEXT NOT NULL,
    last_review   TEXT,
    last_correct  INTEGER NOT NULL,
    reviews       INTEGER NOT NULL DEFAULT 0,
    lapses        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (member_id, drill_id)
);
CREATE INDEX review_cards_due ON review_cards (due);
