"""The SLA sweep: stages run every minute under a lease; the timers stage fires due timers, failures become incidents."""
