"""From blueprint to files and migrations: pure functions, no I/O."""
