"""Database connections: engines, clients and the translation of their errors."""
