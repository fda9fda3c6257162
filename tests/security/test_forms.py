"""Forms without the CSRF token are refused; wrong passwords lock an account out (issue 7).

CSRF: every form that changes something (login, upload, item edits, the public copy request) is refused
with 400 without the session's token, with a forged one, and with a token from another session, and
nothing changes. Lock-out: after `web.login_max_failures` wrong passwords the account is locked for
`web.login_lock_s` seconds, the right password included, however the attempts are spread over
sessions; when the lock expires the right password works again.
"""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from repository.models import Event, Item
from tests.security.conftest import USERS
from tests.staff.conftest import login, token
from tests.web.conftest import csrf_from

CSRF_MESSAGE = "the form has expired or did not come from this site"


def _staff_posts(item_id: str) -> list[tuple[str, dict]]:
    return [
        ("/staff/items/{}/metadata".format(item_id), {"dc-title-0-value": "Changed", "dc-title-0-lang": "en"}),
        ("/staff/items/{}/access".format(item_id), {"access": "public"}),
        ("/staff/items/{}/status".format(item_id), {"action": "publish"}),
        ("/staff/items/{}/pages".format(item_id), {"label-1": "changed"}),
        ("/staff/items/{}/collection".format(item_id), {"collection": ""}),
        ("/staff/items/{}/reocr".format(item_id), {"languages": "rus"}),
        ("/staff/upload", {"title": "x", "files": (io.BytesIO(b"\x89PNG\r\n\x1a\n"), "p1.png")}),
        ("/staff/collections/new", {"id": "forged", "title-en": "Forged"}),
        ("/staff/logout", {}),
    ]


def _state(site, item_id: str) -> tuple:
    with site.app.extensions["olketanu"].db.read() as session:
        item = session.get(Item, item_id)
        return item.status, item.access, item.collection_id, dict(item.dc), [(p.seq, p.label) for p in item.pages]


@pytest.mark.parametrize("how", ["missing", "forged", "other-session"])
def test_login_without_the_token_is_refused(site, how):
    username, password, _ = USERS["staff"]
    client = site.app.test_client()
    form = {"username": username, "password": password}
    if how == "forged":
        form["csrf_token"] = "x" * 43
    elif how == "other-session":
        form["csrf_token"] = token(site.app.test_client())
    else:
        client.get("/staff/login")  # the session has a token; the form just does not carry it
    response = client.post("/staff/login", data=form)
    assert response.status_code == 400 and CSRF_MESSAGE in response.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302  # not logged in


@pytest.mark.parametrize("how", ["missing", "forged", "other-session"])
def test_staff_forms_without_the_token_are_refused(site, how):
    item_id = site.items["staff"].item_id
    client = site.app.test_client()
    assert login(client, "staff").status_code == 302
    other = token(site.app.test_client())
    before = _state(site, item_id)
    for path, data in _staff_posts(item_id):
        if how == "forged":
            data = {**data, "csrf_token": "forged"}
        elif how == "other-session":
            data = {**data, "csrf_token": other}
        response = client.post(path, data=data, content_type="multipart/form-data")
        assert response.status_code == 400, path
        assert CSRF_MESSAGE in response.get_data(as_text=True), path
    assert _state(site, item_id) == before
    assert client.get("/staff/").status_code == 200  # still logged in: the logout was refused too
    with site.app.extensions["olketanu"].db.read() as session:
        assert session.get(Item, "forged") is None
        assert not session.scalars(select(Event).where(Event.actor == USERS["staff"][0],
                                                       Event.action != "login")).all()


@pytest.mark.parametrize("how", ["missing", "forged", "other-session"])
def test_copy_request_without_the_token_is_refused(site, how):
    item_id = site.public.item_id
    client = site.app.test_client()
    good = csrf_from(client.get(f"/items/{item_id}/copy").get_data(as_text=True))
    data = {"pages": ["1"]}
    if how == "forged":
        data["csrf_token"] = "x" * 43
    elif how == "other-session":
        data["csrf_token"] = csrf_from(site.app.test_client().get(f"/items/{item_id}/copy").get_data(as_text=True))
    response = client.post(f"/items/{item_id}/copy", data=data)
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert CSRF_MESSAGE in response.get_data(as_text=True)
    # The control: the same request with this session's token is served.
    served = client.post(f"/items/{item_id}/copy", data={"pages": ["1"], "csrf_token": good})
    assert served.status_code == 200 and served.mimetype == "application/pdf"


# --- lock-out -------------------------------------------------------------------------------------


def test_wrong_passwords_lock_the_account_until_the_lock_expires(fresh_app, monkeypatch):
    import repository.users as users

    app = fresh_app(**{"web.login_max_failures": 3, "web.login_lock_s": 600})
    username, right, _ = USERS["staff"]

    def attempt(password: str):
        client = app.test_client()  # a new session each time: the count is the account's, not the cookie's
        return client, client.post("/staff/login", data={"username": username, "password": password,
                                                         "csrf_token": token(client)})

    for n in range(3):
        _, response = attempt(f"wrong password {n}")
        assert response.status_code == 403, n
    wrong_message = response.get_data(as_text=True)
    client, response = attempt(right)
    assert response.status_code == 403  # the right password, but the account is locked
    assert client.get("/staff/").status_code == 302
    # The locked answer says no more than a wrong password does (no hint that the password was right).
    for message in (wrong_message, response.get_data(as_text=True)):
        assert "wrong user name or password" in message

    real_now = users.utcnow
    monkeypatch.setattr(users, "utcnow", lambda: real_now() + timedelta(seconds=599))
    assert attempt(right)[1].status_code == 403  # still locked just before the end
    monkeypatch.setattr(users, "utcnow", lambda: real_now() + timedelta(seconds=601))
    client, response = attempt(right)
    assert response.status_code == 302  # the lock has expired
    assert client.get("/staff/").status_code == 200


def test_fewer_failures_than_the_limit_do_not_lock(fresh_app):
    app = fresh_app(**{"web.login_max_failures": 3})
    client = app.test_client()
    for _ in range(2):
        assert login(client, "staff", password="not the password").status_code == 403
    assert login(client, "staff").status_code == 302
    # A success starts the count again: two more failures still do not lock.
    other = app.test_client()
    for _ in range(2):
        assert login(other, "staff", password="not the password").status_code == 403
    assert login(other, "staff").status_code == 302
