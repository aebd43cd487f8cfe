"""The reference backend's blueprint, shipped with the package so `demo` works anywhere."""

from importlib.resources import files

BLUEPRINT = files(__name__).joinpath("backend.toml")
