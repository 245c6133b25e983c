"""Settings of a long-running process that no library makes for it.

The garbage collector: Python's cyclic collector walks every object it tracks on a full
collection, and a process of this platform holds hundreds of thousands of long-lived ones
(SQLAlchemy mappers and compiled statements, aiohttp, the platform libraries, the catalogs).
With the defaults a full collection came every few seconds of sending and held the event
loop for 40 to 80 ms, during which a paced sender missed its slots: the broadcast benchmark
lost 3 to 7 % of the platform's allowed rate to it. ``gc.freeze`` moves everything start-up
created out of the collector's reach, and a higher first threshold makes the collections of
young objects rarer (each stays short: young objects mostly die young).
"""

from __future__ import annotations

import gc

__all__ = ["YOUNG_THRESHOLD", "settle_garbage_collector"]

YOUNG_THRESHOLD = 50_000  # allocations between two collections of young objects (default 700)


def settle_garbage_collector(young: int = YOUNG_THRESHOLD) -> None:
    """Call once, when start-up is over and the process is about to serve. Not in tests:
    frozen objects are never collected, so a test process would keep every test's garbage."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, old)
