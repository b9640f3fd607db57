"""A person's copy of their data and the erasure of their account; staff's erasure tools."""

from board.privacy import bp  # noqa: F401
