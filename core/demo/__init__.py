"""Demo data for the embedded default and for benchmarks."""

from __future__ import annotations

from .seed import SeedReport, seed_demo

__all__ = ["SeedReport", "seed_demo"]
