-- Review cards per member x concept family (issue 12). A review deals a sibling variant of the
-- drill that was missed, so the card belongs to the family, not to one drill. The fold of the
-- cards kept under drill ids happens at start (bot/store/sqlite/folding.py), because only the
-- loaded library knows which family a drill belongs to; until then a card's family_id is its
-- drill id, which is exactly the family of a drill without one.
ALTER TABLE review_cards RENAME COLUMN drill_id TO family_id;
-- The variant answered last: the next review deals another one.
ALTER TABLE review_cards ADD COLUMN drill_id TEXT;
-- The answer that made this state, and the state before it (JSON, see bot/srs.py), so that
-- "I guessed" can grade that one answer Hard instead of Good.
ALTER TABLE review_cards ADD COLUMN delivery_id TEXT;
ALTER TABLE review_cards ADD COLUMN prior TEXT;
UPDATE review_cards SET drill_id = family_id;

-- When the member said a right answer was a guess (NULL: they did not). The board counts the
-- answer either way; `drills stats` reports the guess rate per drill.
ALTER TABLE answers ADD COLUMN guessed_at TEXT;
