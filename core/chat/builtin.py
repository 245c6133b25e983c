"""Commands that belong to no domain: /help, and the names later features fill in."""

from __future__ import annotations

from ..i18n import N_, gettext
from .commands import Arguments, Command, CommandRegistry, Param, ParamKind, Permission
from .context import CommandContext
from .replies import Card, Field, Reply

__all__ = ["RESERVED", "register"]

# Every name the platform promises; a feature that is not there yet answers "not available yet".
RESERVED: dict[str, tuple[str, Permission]] = {
    "start": (N_("Join the network or resume where you left off"), Permission.ANYONE),
    "help": (N_("List the commands, or explain one"), Permission.ANYONE),
    "profile": (N_("Show or edit your profile"), Permission.MEMBER),
    "search": (N_("Search the alumni directory"), Permission.MEMBER),
    "contact": (N_("Ask a member or an organisation for an introduction"), Permission.MEMBER),
    "offers": (N_("Browse job, internship and training offers"), Permission.MEMBER),
    "offer": (N_("Post or manage an offer for your organisation"), Permission.REPRESENTATIVE),
    "events": (N_("Upcoming events in your country"), Permission.MEMBER),
    "event": (N_("Create or manage an event"), Permission.MEMBER),
    "groups": (N_("Find, create and manage thematic groups"), Permission.MEMBER),
    "join": (N_("Join a group"), Permission.MEMBER),
    "leave": (N_("Leave a group"), Permission.MEMBER),
    "alerts": (N_("Saved searches that tell you about new offers"), Permission.MEMBER),
    "digest": (N_("Preview your country's digest"), Permission.MEMBER),
    "broadcast": (N_("Send an announcement to a country's members"), Permission.COUNTRY_ADMIN),
    "link": (N_("Link another platform account to your profile"), Permission.ANYONE),
    # Kept on the profile: someone who is not a member yet chooses it in /start.
    "lang": (N_("Choose the language the bot speaks to you"), Permission.MEMBER),
    "stats": (N_("Figures about the network or your country"), Permission.COUNTRY_ADMIN),
    "privacy": (N_("What is stored about you and who sees it"), Permission.ANYONE),
    "export": (N_("Download all your data"), Permission.MEMBER),
    "erase": (N_("Delete your personal data"), Permission.MEMBER),
}


async def help_command(ctx: CommandContext, args: Arguments) -> Reply:
    registry = ctx.app.registry
    name = args.get("command")
    if name:
        command = registry.get(str(name).removeprefix("/").lower())
        if command is None:
            return Reply(
                text=gettext("Unknown command /{name}. Send /help for the list.", name=name),
                error=True,
            )
        fields = [
            Field(name=p.name, value=gettext(p.help), inline=False)
            for p in (*command.params, *command.options)
        ]
        fields.extend(
            Field(name=sub.usage(prefix=f"/{command.name} "), value=gettext(sub.help), inline=False)
            for sub in command.subcommands
        )
        body = "" if command.available else gettext("Not available yet.")
        return Reply(
            cards=(
                Card(
                    title=command.usage(),
                    subtitle=gettext(command.help),
                    body=body,
                    fields=tuple(fields),
                ),
            )
        )
    usable = [c for c in registry if ctx.actor.may(c.permission)]
    lines = [gettext("Commands you can use:")]
    lines.extend(f"/{c.name} — {gettext(c.help)}" for c in usable if c.available)
    upcoming = [c for c in usable if not c.available]
    if upcoming:
        lines.append("")
        lines.append(
            gettext("Coming soon: {commands}", commands=", ".join(f"/{c.name}" for c in upcoming))
        )
    lines.append("")
    lines.append(gettext("Send /help COMMAND for details."))
    if not ctx.actor.is_member:
        lines.append(gettext("You are not a member yet: send /start to join."))
    return Reply(text="\n".join(lines))


async def cancel_command(ctx: CommandContext, _args: Arguments) -> Reply:
    if await ctx.app.forms.cancel(ctx.incoming):
        return Reply(text=gettext("Cancelled. Nothing was saved."))
    return Reply(text=gettext("There is nothing to cancel."))


def register(registry: CommandRegistry) -> None:
    registry.add(
        Command(
            name="help",
            help=RESERVED["help"][0],
            handler=help_command,
            permission=Permission.ANYONE,
            params=(
                Param("command", N_("The command to explain"), kind=ParamKind.WORD, max_length=40),
            ),
        )
    )

    registry.add(
        Command(
            name="cancel",
            help=N_("Stop the form you are filling in"),
            handler=cancel_command,
            permission=Permission.ANYONE,
        )
    )


def reserve_remaining(registry: CommandRegistry) -> None:
    for name, (help_text, permission) in RESERVED.items():
        registry.reserve(name, help_text, permission)
