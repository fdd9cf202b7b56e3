"""Monitoring: device registry, ingestion store, latest values, alerts."""
