"""Users in PostgreSQL and their preferences in MongoDB.."""
