"""Discord API v10 payloads shaped like the real ones (discord-api-docs), trimmed to what discord.py 2.7 reads."""

from __future__ import annotations

import itertools
import secrets
from datetime import datetime, timezone
from typing import Any

APP_ID = "1310000000000000001"
GUILD_ID = "1310000000000000002"
CHANNEL_ID = "1310000000000000003"
OWNER_ID = "1310000000000000004"
MEMBER_ID = "1310000000000000005"
LEAD_ID = "1310000000000000006"
LEAD_ROLE_ID = "1310000000000000007"
DRILL_COMMAND_ID = "1310000000000000008"
LEAD_ROLE_NAME = "Drill Leads"

# Resolved channel permissions as Discord puts them on `member.permissions` in an interaction.
VIEW_AND_SEND = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 31)
MANAGE_GUILD = 1 << 5

BOT_USER = {"id": APP_ID, "username": "saga-drills", "discriminator": "0", "global_name": None, "avatar": None,
            "bot": True, "flags": 0, "public_flags": 0, "mfa_enabled": True, "verified": True, "email": None,
            "locale": "en-US"}
_ids = itertools.count(1_320_000_000_000_000_000)


def snowflake() -> str:
    return str(next(_ids))


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def user(user_id: str = MEMBER_ID, name: str = "ada") -> dict[str, Any]:
    return {"id": user_id, "username": name, "discriminator": "0", "global_name": name.capitalize(),
            "avatar": None, "public_flags": 0}


def application_info() -> dict[str, Any]:
    return {"id": APP_ID, "name": "Saga Drills", "icon": None, "description": "", "bot_public": True,
            "bot_require_code_grant": False, "verify_key": "00" * 32, "flags": 0, "team": None,
            "owner": user(OWNER_ID, "owner"), "summary": "", "rpc_origins": [], "bot": BOT_USER}


def ready(resume_url: str) -> dict[str, Any]:
    return {"v": 10, "user": BOT_USER, "guilds": [{"id": GUILD_ID, "unavailable": True}],
            "session_id": secrets.token_hex(16), "resume_gateway_url": resume_url, "shard": [0, 1],
            "application": {"id": APP_ID, "flags": 0}, "private_channels": [], "relationships": [],
            "user_settings": {}, "presences": [], "_trace": ["fake-discord"]}


def member(u: dict[str, Any], *, roles: list[str] | None = None, permissions: int | None = None) -> dict[str, Any]:
    m: dict[str, Any] = {"user": u, "nick": None, "avatar": None, "roles": roles or [], "joined_at": now_iso(),
                         "premium_since": None, "deaf": False, "mute": False, "flags": 0, "pending": False,
                         "communication_disabled_until": None}
    if permissions is not None:
        m["permissions"] = str(permissions)
    return m


def text_channel(channel_id: str = CHANNEL_ID) -> dict[str, Any]:
    return {"id": channel_id, "type": 0, "guild_id": GUILD_ID, "name": "saga-drills", "position": 0,
            "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None,
            "rate_limit_per_user": 0, "last_message_id": None, "flags": 0}


def guild_create() -> dict[str, Any]:
    return {
        "id": GUILD_ID, "name": "Saga Guild", "icon": None, "splash": None, "discovery_splash": None,
        "owner_id": OWNER_ID, "afk_channel_id": None, "afk_timeout": 300, "verification_level": 0,
        "default_message_notifications": 0, "explicit_content_filter": 0, "mfa_level": 0, "features": [],
        "system_channel_id": None, "system_channel_flags": 0, "rules_channel_id": None, "vanity_url_code": None,
        "description": None, "banner": None, "premium_tier": 0, "premium_subscription_count": 0,
        "preferred_locale": "en-US", "public_updates_channel_id": None, "nsfw_level": 0,
        "premium_progress_bar_enabled": False, "unavailable": False, "large": False, "member_count": 3,
        "roles": [
            {"id": GUILD_ID, "name": "@everyone", "permissions": str(VIEW_AND_SEND), "position": 0, "color": 0,
             "hoist": False, "managed": False, "mentionable": False, "flags": 0},
            {"id": LEAD_ROLE_ID, "name": LEAD_ROLE_NAME, "permissions": str(VIEW_AND_SEND), "position": 1,
             "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0},
        ],
        "emojis": [], "stickers": [], "joined_at": now_iso(), "voice_states": [], "presences": [], "threads": [],
        "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
        "members": [member(BOT_USER)], "channels": [text_channel()],
    }


def message(*, content: str = "", channel_id: str = CHANNEL_ID, author: dict[str, Any] = BOT_USER,
            embeds: list[Any] | None = None, components: list[Any] | None = None, flags: int = 0,
            attachments: list[Any] | None = None, message_id: str | None = None,
            webhook_id: str | None = None) -> dict[str, Any]:
    m: dict[str, Any] = {
        "id": message_id or snowflake(), "channel_id": channel_id, "author": author, "content": content,
        "timestamp": now_iso(), "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [],
        "mention_roles": [], "attachments": attachments or [], "embeds": embeds or [], "pinned": False, "type": 0,
        "flags": flags, "components": components or [],
    }
    if webhook_id:
        m["webhook_id"] = webhook_id
        m["application_id"] = APP_ID
    return m


def _interaction(kind: int, *, user_id: str = MEMBER_ID, name: str = "ada", permissions: int = VIEW_AND_SEND,
                 roles: list[str] | None = None, in_dm: bool = False, dm_channel_id: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": snowflake(), "application_id": APP_ID, "type": kind, "version": 1,
        "token": "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(120),  # about as long as a real token
        "app_permissions": str(VIEW_AND_SEND), "locale": "en-US", "entitlements": [],
        "attachment_size_limit": 10_485_760,
    }
    if in_dm:
        channel = {"id": dm_channel_id or snowflake(), "type": 1, "recipients": [user(user_id, name)],
                   "last_message_id": None, "flags": 0}
        data.update(channel_id=channel["id"], channel=channel, user=user(user_id, name), context=1,
                    authorizing_integration_owners={"0": GUILD_ID})
    else:
        data.update(guild_id=GUILD_ID, guild_locale="en-US", channel_id=CHANNEL_ID, channel=text_channel(),
                    member=member(user(user_id, name), roles=roles, permissions=permissions), context=0,
                    authorizing_integration_owners={"0": GUILD_ID})
    return data


def slash_command(subcommand: str, options: list[dict[str, Any]] | None = None, *, guild_command: bool = True,
                  **who: Any) -> dict[str, Any]:
    """INTERACTION_CREATE type 2 for `/drill <subcommand>` (CHAT_INPUT with a SUB_COMMAND option)."""
    d = _interaction(2, **who)
    d["data"] = {"id": DRILL_COMMAND_ID, "name": "drill", "type": 1,
                 "options": [{"type": 1, "name": subcommand, "options": options or []}]}
    if guild_command:
        d["data"]["guild_id"] = GUILD_ID
    return d


def button_click(custom_id: str, source: dict[str, Any] | None, **who: Any) -> dict[str, Any]:
    """INTERACTION_CREATE type 3 (MESSAGE_COMPONENT, a button) on the message `source`."""
    d = _interaction(3, **who)
    d["data"] = {"custom_id": custom_id, "component_type": 2}
    if source is not None:
        d["message"] = source
    return d


def custom_ids(msg: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in msg.get("components", []) for c in row.get("components", []) if "custom_id" in c]
