"""Passwords: stored only as Argon2 hashes (pwdlib), checked off the event loop.

Hashing costs tens of milliseconds of CPU on purpose (it is what makes a stolen hash slow to
crack); run on the event loop it would stall every request in flight, so it runs in a worker
thread.
"""

import asyncio
from functools import cache

from pwdlib import PasswordHash

_hasher = PasswordHash.recommended()


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def check_password(password: str, stored: str | None) -> bool:
    """Whether `password` matches the `stored` hash. With nothing stored (no such account,
    or one without a password) a hash is checked all the same, and fails: an unknown email
    costs what a wrong password costs, so timing does not tell which accounts exist."""
    return await asyncio.to_thread(_check, password, stored)


def _check(password: str, stored: str | None) -> bool:
    if stored is None:
        _hasher.verify(password, _stand_in())
        return False
    return _hasher.verify(password, stored)


@cache
def _stand_in() -> str:
    """A hash no password of any account is checked against successfully."""
    return _hasher.hash("a stand-in: checked only when there is no account")
