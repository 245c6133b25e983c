"""Mentoring and coffee introductions: alumni help the students who come next, and members
of a chapter meet one another regularly."""

from __future__ import annotations

from .pairing import History, pair_members

__all__ = ["History", "pair_members"]
