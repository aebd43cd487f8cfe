"""Accounts in PostgreSQL, their preferences in MongoDB, and an assistant that acts for them.."""
