"""The append-only, hash-chained case event log, its verification and replay."""
