"""Who is asking: the logged-in user from the Flask session, and whether the request comes from the
reading room. Login and logout views come with the web UI; they call `login_user`/`logout_user`.
"""
from __future__ import annotations

from flask import g, request, session

from repository.access import in_networks
from repository.models import User
from repository.services import current_services
from repository.users import get_user, is_disabled

SESSION_KEY = "user_id"


def current_user() -> User | None:
    """The logged-in user of this request, or None (looked up once per request)."""
    if "olketanu_user" not in g:
        user_id = session.get(SESSION_KEY)
        user = None
        if isinstance(user_id, int):
            with current_services().db.read() as db_session:
                user = get_user(db_session, user_id)
            if user is not None and is_disabled(user):  # disabled after logging in: the session ends here
                user = None
        g.olketanu_user = user
    return g.olketanu_user


def in_reading_room() -> bool:
    """Whether the request comes from one of the `web.reading_room_networks`."""
    return in_networks(request.remote_addr, current_services().reading_room)


def login_user(user: User) -> None:
    # A fresh session on login: nothing from before the login (e.g. a planted session id) survives.
    session.clear()
    session[SESSION_KEY] = user.id
    session.permanent = True
    g.olketanu_user = user


def logout_user() -> None:
    session.clear()
    g.pop("olketanu_user", None)
