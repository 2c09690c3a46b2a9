"""Local authentication adapters: argon2id password hashing and HS256 access tokens."""

from .passwords import Argon2Passwords
from .tokens import JwtTokens

__all__ = ["Argon2Passwords", "JwtTokens"]
