"""Leaderboards, seasons and the team blind-spot report (issue 7): scoring, periods, store, charts."""


class BoardError(Exception):
    """A board, report or season cannot be shown as asked; the message says why and what to do."""
