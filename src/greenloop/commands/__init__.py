"""Click commands that need Django (serve, migrate, createadmin, demo…)."""
