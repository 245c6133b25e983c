"""The console adapter: be a member in a terminal, type the same commands as on the bots."""

from __future__ import annotations

from .adapter import ConsoleAdapter, render

__all__ = ["ConsoleAdapter", "render"]
