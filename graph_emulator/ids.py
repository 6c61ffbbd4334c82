"""Deterministic object ids: the same seed gives the same ids, so tests and demos reproduce."""

from __future__ import annotations

import random
import uuid


class IdFactory:
    def __init__(self, seed: int | str = 0) -> None:
        self._random = random.Random(seed)

    def new_id(self) -> str:
        """A version-4 shaped GUID, like Entra object ids."""
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def token(self, nbytes: int = 24) -> str:
        return self._random.randbytes(nbytes).hex()
