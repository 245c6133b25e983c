"""Organisations and their offers: company pages, representatives, jobs, internships, VIE,
volunteering, training programmes, saved-search alerts and moderation.

Kept import-free so that the models can read the vocabulary in ``domain`` without a cycle.
"""
