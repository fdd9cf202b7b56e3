"""Shared pages: login, home, layout, language, errors."""
