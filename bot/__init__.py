"""Saga Drills: daily saga code-reading drills for Slack, Discord and the terminal."""
