"""The offers vocabulary. Standard library only: the models and the use cases share it."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["AlertFrequency", "OfferKind", "OfferState", "RequestState"]


class OfferKind(StrEnum):
    JOB = "job"
    INTERNSHIP = "internship"
    VIE = "vie"  # Volontariat International en Entreprise
    VOLUNTEERING = "volunteering"
    TRAINING = "training"  # a complementary training programme of an institution


class OfferState(StrEnum):
    OPEN = "open"  # in search until it expires
    CLOSED = "closed"  # closed by its organisation; it can be reposted
    UNPUBLISHED = "unpublished"  # taken down by a global admin


class RequestState(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REFUSED = "refused"


class AlertFrequency(StrEnum):
    IMMEDIATE = "immediate"
    WEEKLY = "weekly"
