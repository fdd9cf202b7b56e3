"""Signal receivers of the org app (none yet: services write the audit log)."""
