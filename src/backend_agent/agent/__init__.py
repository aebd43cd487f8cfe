"""`backend-agent ask`: an OpenAI Agents SDK agent that changes a project and proves it.

Modules, one job each:
- `instructions`: what the agent is told, built from the project's blueprint;
- `tools`: the tools, thin wrappers around `backend_agent.operations` and `files`;
- `files`: path confinement (secrets, state, symlinks, hard links), exact-match edits;
- `guards`: what no write may do (move the checks, silence a checker, weaken a test);
- `engineer`: the `Agent` itself (instructions + tools + a model);
- `models`, `watched_model`: model selection; per-call timeouts and one-line server failures;
- `run`: one run: lock, history entry, verify before, agent rounds, our own verification;
- `verdict`: verified, nothing changed or not verified, and how the tests changed;
- `snapshot`: the project's files on disk and the diff between two moments;
- `command`: the Typer command and what it shows while it runs.

Importing this package is cheap: only `engineer`, `tools`, `run` and `watched_model` import
the SDK.
"""
