"""Health, readiness and metrics an operator watches: what the HTTP endpoints report, platform-neutral."""
