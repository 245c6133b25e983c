"""Every table, one small module each; importing this package registers them all."""

from __future__ import annotations

from ._chapters import (
    Article,
    Broadcast,
    Chapter,
    ChapterChannel,
    DigestSubscription,
    Event,
    Rsvp,
)
from ._claim_code import ClaimCode
from ._contact import (
    ContactRequest,
    EmbassyDesk,
    InstitutionMessage,
    InstitutionOptOut,
    OrganisationBlock,
)
from ._conversation import CallbackToken, FormSession, SeenRequest, SigningKey
from ._country import Country
from ._groups import Group, GroupChannel, GroupMembership, GroupRelay, GroupReport
from ._introduction import Introduction, MemberBlock, MemberReport
from ._member import Education, Member
from ._mentoring import (
    CoffeeAvoid,
    CoffeeMatch,
    CoffeeMember,
    CoffeeRound,
    CoffeeSettings,
    MentorProfile,
    MentorRequest,
)
from ._offers import (
    Alert,
    AlertMatches,
    AuditEntry,
    Offer,
    OfferReport,
    OfferView,
    OrganisationCountry,
    RepresentationRequest,
)
from ._organisation import Organisation
from ._outbox import JobRun, OutboxMessage
from ._platform_account import PlatformAccount
from ._role import RoleGrant
from ._search_term import SearchTerm

__all__ = [
    "Alert",
    "AlertMatches",
    "Article",
    "AuditEntry",
    "Broadcast",
    "CallbackToken",
    "Chapter",
    "ChapterChannel",
    "ClaimCode",
    "CoffeeAvoid",
    "CoffeeMatch",
    "CoffeeMember",
    "CoffeeRound",
    "CoffeeSettings",
    "ContactRequest",
    "Country",
    "DigestSubscription",
    "Education",
    "EmbassyDesk",
    "Event",
    "FormSession",
    "Group",
    "GroupChannel",
    "GroupMembership",
    "GroupRelay",
    "GroupReport",
    "InstitutionMessage",
    "InstitutionOptOut",
    "Introduction",
    "JobRun",
    "Member",
    "MemberBlock",
    "MemberReport",
    "MentorProfile",
    "MentorRequest",
    "Offer",
    "OfferReport",
    "OfferView",
    "Organisation",
    "OrganisationBlock",
    "OrganisationCountry",
    "OutboxMessage",
    "PlatformAccount",
    "RepresentationRequest",
    "RoleGrant",
    "Rsvp",
    "SearchTerm",
    "SeenRequest",
    "SigningKey",
]
