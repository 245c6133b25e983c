"""Every table, one small module each; importing this package registers them all."""

from __future__ import annotations

from ._conversation import CallbackToken, FormSession
from ._country import Country
from ._member import Education, Member
from ._organisation import Organisation
from ._platform_account import PlatformAccount
from ._role import RoleGrant

__all__ = [
    "CallbackToken",
    "Country",
    "Education",
    "FormSession",
    "Member",
    "Organisation",
    "PlatformAccount",
    "RoleGrant",
]
