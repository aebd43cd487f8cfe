"""Random evolutions of a project whose tables and collections hold data: after every step
`alembic upgrade head` and `alembic check` pass; at the end every stored row and document
still reads through the project's own models, and the chain downgrades to base and back.

A few sequences with a fixed seed here; `bench/fuzz_evolution.py` runs as many as you like.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count

import pytest
from hypothesis import Phase, given, seed, settings
from hypothesis import strategies as st

from backend_agent.services import LocalMongo, LocalPostgres, local_mongo
from tests.evolving import start_evolving, walk


@pytest.fixture(scope="module")
def mongo() -> Iterator[LocalMongo]:
    with local_mongo() as server:
        yield server


@pytest.mark.parametrize("number", range(3))
def test_random_evolutions_migrate_and_keep_every_row(
    number: int,
    postgres: LocalPostgres,
    mongo: LocalMongo,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Each sequence is one example with its own seed: its draws depend on the project its
    earlier steps made, so examples cannot share hypothesis's search tree."""
    runs = count(1)

    @settings(max_examples=1, derandomize=False, phases=[Phase.generate])
    @seed(number)
    @given(data=st.data())
    def sequence(data: st.DataObject) -> None:
        name = f"evolving_{number}_{next(runs)}"  # hypothesis may replay a failure
        project = start_evolving(
            tmp_path_factory.mktemp(name) / name,
            postgres.create_database(name),
            mongo.url(),
            name,
        )
        taken: list[str] = []
        problem = walk(project, data.draw, steps=6, log=taken.append)
        assert problem is None, "\n".join([*taken, problem])

    sequence()
