"""Operator endpoints over HTTP: /healthz, /readyz and /metrics, on their own port or beside Slack's."""
