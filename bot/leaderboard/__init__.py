"""Leaderboards, seasons and the team blind-spot report (issue 7): the whole feature.

chat (`/drill leaderboard|season|report` and install) · service · scoring · periods · report ·
rendering · charts · export · seasons · store.
"""


class BoardError(Exception):
    """A board, report or season cannot be shown as asked; the message says why and what to do."""
