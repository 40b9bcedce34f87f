-- Seasons and the leaderboard / blind-spot tallies (issue 7), owned by bot/leaderboard/store.py.
-- The board tables are a projection of `answers`, filled incrementally in answer order
-- (bot/leaderboard/ingest.py), so a board over a million answers reads thousands of rows.
-- Tallies are keyed by `person`, a random surrogate: forget-me deletes the member row, the
-- person's member_id goes NULL, and team figures keep their counts with no link back.

-- A season per scope (platform + space). Only one is open at a time: the partial unique index
-- refuses a second `season start` across processes, not just in this one; names are unique
-- per scope so `leaderboard season NAME` always means one season.
CREATE TABLE seasons (
    id          TEXT PRIMARY KEY,
    platform    TEXT NOT NULL,
    space       TEXT NOT NULL,
    name        TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    ended_at    TEXT,
    started_by  TEXT REFERENCES members(id) ON DELETE SET NULL,   -- NULL: the CLI, or a lead who left
    ended_by    TEXT REFERENCES members(id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX seasons_one_open ON seasons (platform, space) WHERE ended_at IS NULL;
CREATE UNIQUE INDEX seasons_name ON seasons (platform, space, lower(name));
CREATE INDEX seasons_scope ON seasons (platform, space, started_at);

-- Small named values: the ingest cursor and the export pseudonym salt.
CREATE TABLE board_state (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

CREATE TABLE board_people (
    person     TEXT PRIMARY KEY,
    member_id  TEXT UNIQUE REFERENCES members(id) ON DELETE SET NULL
);
-- Covering lookups for the board's person -> member -> name join (10,000 rows per board).
CREATE INDEX board_people_member ON board_people (person, member_id);
CREATE INDEX members_board ON members (id, opted_out, display_name, user_id);

-- One row per ingested answer, with its points fixed at ingest (tier weight, daily allowance).
-- The index covers every bounded-period board and report (week, month) without the table.
CREATE TABLE board_points (
    person        TEXT NOT NULL REFERENCES board_people(person),
    platform      TEXT NOT NULL,
    space         TEXT NOT NULL,
    channel       TEXT NOT NULL,                 -- '' for direct messages
    answered_at   TEXT NOT NULL,
    drill_id      TEXT NOT NULL,
    option_index  INTEGER NOT NULL,
    correct       INTEGER NOT NULL,
    counted       INTEGER NOT NULL,              -- 0: beyond the day's on-demand/review allowance
    points        INTEGER NOT NULL,
    review_pass   INTEGER NOT NULL
);
CREATE INDEX board_points_period ON board_points
    (platform, space, answered_at, channel, person, counted, correct, points, review_pass, drill_id, option_index);

-- All-time sums per scope, channel and person: the `all` board and the base of season boards.
CREATE TABLE board_totals (
    platform  TEXT NOT NULL,
    space     TEXT NOT NULL,
    channel   TEXT NOT NULL,
    person    TEXT NOT NULL REFERENCES board_people(person),
    points    INTEGER NOT NULL,
    answered  INTEGER NOT NULL,
    correct   INTEGER NOT NULL,
    reviews   INTEGER NOT NULL,
    PRIMARY KEY (platform, space, channel, person)
);

-- While a season is open its 'start' rows hold the totals when it started (board = totals - start);
-- when it ends they are replaced by 'final' rows, so a past season reads as it finished.
CREATE TABLE season_tallies (
    season_id  TEXT NOT NULL REFERENCES seasons(id),
    phase      TEXT NOT NULL CHECK (phase IN ('start', 'final')),
    channel    TEXT NOT NULL,
    person     TEXT NOT NULL REFERENCES board_people(person),
    points     INTEGER NOT NULL,
    answered   INTEGER NOT NULL,
    correct    INTEGER NOT NULL,
    reviews    INTEGER NOT NULL,
    PRIMARY KEY (season_id, phase, channel, person)
);

-- All-time report figures: who attempted which drill, and how often each option was picked.
CREATE TABLE board_drill_people (
    platform  TEXT NOT NULL,
    space     TEXT NOT NULL,
    drill_id  TEXT NOT NULL,
    person    TEXT NOT NULL REFERENCES board_people(person),
    answered  INTEGER NOT NULL,
    correct   INTEGER NOT NULL,
    PRIMARY KEY (platform, space, drill_id, person)
);
CREATE TABLE board_option_picks (
    platform      TEXT NOT NULL,
    space         TEXT NOT NULL,
    drill_id      TEXT NOT NULL,
    option_index  INTEGER NOT NULL,
    picks         INTEGER NOT NULL,
    PRIMARY KEY (platform, space, drill_id, option_index)
);

-- Daily allowances in the member's local day ('on_demand', or 'review:<drill>'); old days are pruned.
CREATE TABLE board_allowances (
    person  TEXT NOT NULL REFERENCES board_people(person),
    day     TEXT NOT NULL,
    bucket  TEXT NOT NULL,
    used    INTEGER NOT NULL,
    PRIMARY KEY (person, day, bucket)
);
CREATE INDEX board_allowances_day ON board_allowances (day);
