"""Daily channel drills, reveals and review DMs on a schedule that survives crashes: the whole feature.

chat (`/drill schedule …` and install) · models (records and input parsing) → planner (pure time
and choice rules) → store (all SQL) → runs / reviews / outbox (the work) → tick (one pass) →
service (the APScheduler clock).
"""
