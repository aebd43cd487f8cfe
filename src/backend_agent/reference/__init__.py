"""The reference backend's blueprint, shipped with the package so `demo` works anywhere."""

from importlib.resources import files
from pathlib import Path

import tomlkit

BLUEPRINT = files(__name__).joinpath("backend.toml")


def without_accounts(folder: Path) -> Path:
    """The reference blueprint without its accounts (`[auth]`, access levels), written into
    `folder`: what the data-path tests and the HTTP benchmark load, whose requests sign in
    as nobody (the hand-written apps it is compared with check no tokens)."""
    document = tomlkit.parse(BLUEPRINT.read_text(encoding="utf-8"))
    del document["auth"]
    for table in document["resources"].values():
        table.pop("access", None)
    path = folder / "public.toml"
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return path
