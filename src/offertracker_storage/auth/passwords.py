"""Password hashing with argon2id (argon2-cffi), off the event loop."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["Argon2Passwords"]


class Argon2Passwords:
    """The core's ``PasswordHasher`` port on argon2id.

    Hashing and verifying are deliberately slow, so both run in a worker thread
    (``asyncio.to_thread``) and never block the loop. The defaults are
    argon2-cffi's (RFC 9106 "low memory" profile); tests pass tiny costs.
    """

    def __init__(self, *, time_cost: int = 3, memory_cost: int = 65536, parallelism: int = 4) -> None:
        self._hasher = _Argon2(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
        )

    async def hash(self, password: str) -> str:
        """Return the encoded argon2id hash (parameters and salt included) of ``password``."""
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` matches ``password_hash``; ``False`` for a mismatch or an unreadable hash."""
        return await asyncio.to_thread(self._verify, password_hash, password)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
