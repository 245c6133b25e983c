"""Thematic groups: membership and moderation, channels mapped on any platform, and the
relay that bridges a group's channels across platforms.

Kept import-free so that the models can read the vocabulary in ``domain`` without a cycle;
the relay's entry points are in ``core.groups.relay`` (``relay_incoming``, ``relay_edit``,
``relay_delete``).
"""
