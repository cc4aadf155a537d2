"""Self-monitoring: the watchdog's rules over a snapshot of the numbers (no database, no mail)."""
