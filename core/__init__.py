"""Platform-neutral core of France Alumni bots.

Nothing under ``core`` imports a messaging-platform library; adapters live in ``bots``.
"""
