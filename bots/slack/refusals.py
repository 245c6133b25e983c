"""Refused requests are logged in one line, without what they carried.

Bolt logs a request whose signature fails (forged, tampered, stale or missing) at INFO with
the whole body, which holds the sender's user name and text, and the signature itself. The
filter rewrites that record to a WARNING naming only the refusal, so that an operator sees
forged traffic and the logs hold no personal data.
"""

from __future__ import annotations

import logging

__all__ = ["BOLT_VERIFICATION_LOGGERS", "SignatureRefusal", "install"]

BOLT_VERIFICATION_LOGGERS = (
    "slack_bolt.AsyncRequestVerification",
    "slack_bolt.RequestVerification",
)
REFUSED = "slack: refused a request with a missing, wrong or stale signature"


class SignatureRefusal(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Invalid request signature detected"):
            record.msg, record.args = REFUSED, ()
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def install() -> None:
    """Idempotent: one filter per Bolt verification logger."""
    for name in BOLT_VERIFICATION_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, SignatureRefusal) for f in logger.filters):
            logger.addFilter(SignatureRefusal())
