"""Agents (OpenAI Agents SDK): one module per agent, defining it and its tools.

Nothing here is imported at start-up: `app.services.agents` imports an agent module, and
with it the SDK, on first use.
"""
