"""The HTTP layer: routes, dependencies, error responses. The only layer that knows HTTP."""
