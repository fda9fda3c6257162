"""Staff accounts: argon2id password hashes, roles, and lock-out after repeated failed logins."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from repository import events
from repository.errors import BadRequest, Conflict, Forbidden
from repository.models import ROLES, User, utcnow
from repository.services import Services

MIN_PASSWORD = 10
# A disabled account is one locked until the end of time: authenticate() already refuses it, and no
# schema change is needed. `set_password` (an admin's reset) clears it, which re-enables the account.
DISABLED_UNTIL = datetime(9999, 1, 1, tzinfo=timezone.utc)
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")


def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's current recommended parameters


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise BadRequest(f"a password needs at least {MIN_PASSWORD} characters")


def create_user(services: Services, actor: str, username: str, password: str, role: str) -> User:
    if _USERNAME.fullmatch(username) is None:
        raise BadRequest(f"not a valid user name: {username!r} (letters, digits, '.', '_', '@', '-')")
    if role not in ROLES:
        raise BadRequest(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    check_password_rules(password)
    with services.db.transaction() as session:
        if session.scalar(select(User).where(User.username == username)) is not None:
            raise Conflict(f"user {username!r} already exists")
        user = User(username=username, password_hash=_hasher().hash(password), role=role, failed_logins=0,
                    created=utcnow())
        session.add(user)
        events.record(session, actor, "create", "user", username, None, {"role": role})
    return user


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def authenticate(services: Services, username: str, password: str) -> User:
    """The user if the password is right and the account not locked; Forbidden otherwise.

    After `web.login_max_failures` wrong passwords in a row the account is locked for
    `web.login_lock_s` seconds; the message does not say whether the user name exists.
    """
    refused = Forbidden("wrong user name or password, or the account is locked for a while")
    max_failures = services.config.get("web", "login_max_failures")
    lock_s = services.config.get("web", "login_lock_s")
    with services.db.transaction() as session:
        user = session.scalar(select(User).where(User.username == username).with_for_update())
        if user is None:
            _hasher().hash(password)  # spend the same time as a real check: no user-name probing by timing
            raise refused
        now = utcnow()
        if user.locked_until is not None and user.locked_until > now:
            raise refused
        accepted = _verify(user.password_hash, password)
        if accepted:
            user.failed_logins = 0
            user.locked_until = None
            if _hasher().check_needs_rehash(user.password_hash):
                user.password_hash = _hasher().hash(password)
        else:
            # Counted in this committed transaction even though the login is refused below.
            user.failed_logins += 1
            if user.failed_logins >= max_failures:
                user.locked_until = now + timedelta(seconds=lock_s)
                user.failed_logins = 0
                events.record(session, "system", "lock", "user", username, None,
                              {"until": user.locked_until.isoformat()})
    if not accepted:
        raise refused
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def set_password(services: Services, actor: str, username: str, password: str) -> None:
    check_password_rules(password)
    with services.db.transaction() as session:
        user = find_user(session, username)
        if user is None:
            raise BadRequest(f"no user {username!r}")
        user.password_hash = _hasher().hash(password)
        user.failed_logins = 0
        user.locked_until = None
        events.record(session, actor, "set-password", "user", username)


def is_disabled(user: User) -> bool:
    return user.locked_until is not None and user.locked_until >= DISABLED_UNTIL


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def set_disabled(services: Services, actor: str, username: str, disabled: bool) -> None:
    """Disable (or enable again) an account; an admin cannot disable their own."""
    if disabled and username == actor:
        raise BadRequest("you cannot disable your own account")
    with services.db.transaction() as session:
        user = find_user(session, username)
        if user is None:
            raise BadRequest(f"no user {username!r}")
        was = is_disabled(user)
        if was == disabled:
            return
        user.locked_until = DISABLED_UNTIL if disabled else None
        user.failed_logins = 0
        events.record(session, actor, "disable" if disabled else "enable", "user", username,
                      {"disabled": was}, {"disabled": disabled})
