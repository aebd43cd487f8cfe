"""Schemathesis against the running reference backend: whatever the OpenAPI schema allows a
client to send, the API answers without a server error.

The agent routes are left out: without a configured model they answer 503 by design.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from backend_agent import operations
from backend_agent.serve import migrate
from backend_agent.services import LocalPostgres, local_mongo
from tests.helpers import running_app
from tests.test_reference import COMMITTED


def test_no_input_the_schema_allows_causes_a_server_error(
    tmp_path: Path, postgres: LocalPostgres
) -> None:
    project = tmp_path / "reference"
    operations.new_project(project, blueprint=COMMITTED / "backend.toml")
    schemathesis = shutil.which("schemathesis")
    assert schemathesis is not None, "schemathesis is a test dependency: pip install -e .[test]"
    with local_mongo() as mongo:
        env = {
            "DATABASE_URL": postgres.create_database("fuzz"),
            "MONGODB_URL": mongo.url(),
            "MONGODB_DATABASE": "fuzz",
            "LOG_LEVEL": "WARNING",
        }
        migrate(project, env)
        with running_app(project, env) as url:
            result = subprocess.run(
                [
                    schemathesis,
                    "run",
                    f"{url}/openapi.json",
                    "--checks",
                    "not_a_server_error",
                    "--exclude-path-regex",
                    "/agents/",
                    "--max-examples",
                    "40",
                    "--seed",
                    "1",
                    "--workers",
                    "1",
                ],
                cwd=tmp_path,
                capture_output=True,
                text=True,
                check=False,
                timeout=300,
            )
    assert result.returncode == 0, result.stdout[-4000:]
