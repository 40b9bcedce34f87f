"""Built-in drill packs, shipped as package data."""
