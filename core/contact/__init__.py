"""Reaching organisations: members write to a company, an institution or their embassy
through a shared inbox of its representatives; each chapter's embassy desk; institutions
write to the alumni they imported who claimed their profile."""

from __future__ import annotations

from .jobs import register_contact_jobs, sweep_requests

__all__ = ["register_contact_jobs", "sweep_requests"]
