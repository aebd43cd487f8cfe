"""`backend-agent ask`: an OpenAI Agents SDK agent that changes a project and proves it.

Modules, one job each:
- `instructions`: the engineering standards and working rules the agent is given;
- `tools`: the tools, thin wrappers around `backend_agent.operations` and `files`;
- `files`: path confinement, secret and test protection, exact-match edits;
- `engineer`: the `Agent` itself (instructions + tools + a model);
- `models`: model selection (OpenAI, OpenAI-compatible servers, LiteLLM);
- `session`: one run: snapshot, agent rounds, our own final verification;
- `snapshot`: before/after diffs and the history entry that lets `undo` revert a run;
- `command`: the Typer command.

Importing this package is cheap: only `engineer`, `tools` and `session` import the SDK.
"""
