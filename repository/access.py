"""Who may see what: the ONE place the access rules live.

Every channel (web pages, IIIF images and manifests, search results, OAI links, downloads, the REST
API) asks here. The rules:
- published + public: anyone;
- published + reading-room: staff and admins, and anonymous requests from the reading-room networks
  (`web.reading_room_networks`);
- published + staff: staff and admins;
- draft or withdrawn: staff and admins only.
"""
from __future__ import annotations

import ipaddress
from typing import Union

from sqlalchemy import Select, and_, select

from repository.errors import ConfigError
from repository.models import Item, User

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

STAFF_ROLES = ("admin", "staff")


def is_staff(user: User | None) -> bool:
    return user is not None and user.role in STAFF_ROLES


def public_levels(in_reading_room: bool) -> tuple[str, ...]:
    """Access levels of published items a non-staff caller may see."""
    return ("public", "reading-room") if in_reading_room else ("public",)


def may_view(user: User | None, item: Item, in_reading_room: bool = False) -> bool:
    if is_staff(user):
        return True
    return item.status == "published" and item.access in public_levels(in_reading_room)


def visible_items_query(user: User | None, in_reading_room: bool = False) -> Select[tuple[Item]]:
    """`select(Item)` restricted to what the caller may see; add filters and ordering to it."""
    query = select(Item)
    if is_staff(user):
        return query
    return query.where(and_(Item.status == "published", Item.access.in_(public_levels(in_reading_room))))


def may_see_status(user: User | None, status: str) -> bool:
    """Whether the caller may list items of `status` (only staff see drafts and tombstones)."""
    return status == "published" or is_staff(user)


def parse_networks(text: str) -> tuple[Network, ...]:
    """The `web.reading_room_networks` setting as networks; ConfigError naming the bad entry."""
    networks = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ConfigError(f"'web.reading_room_networks': {part!r} is not a CIDR network like 10.1.2.0/24") from None
    return tuple(networks)


def in_networks(address: str | None, networks: tuple[Network, ...]) -> bool:
    if not address or not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False  # not an IP address (e.g. a unix socket peer): not in the reading room
    return any(ip in network for network in networks)

