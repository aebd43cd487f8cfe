"""Business logic: async functions that take sessions or clients and raise domain errors."""
