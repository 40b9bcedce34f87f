"""Drill content: the models and the pack loader."""
