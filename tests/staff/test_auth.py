"""Staff login: argon2 passwords, lock-out, the per-address limiter, CSRF, roles, logout, disabling."""
from __future__ import annotations

from sqlalchemy import select

from repository.models import Event
from tests.staff.conftest import USERS, csrf_from, login, make_app, token

STAFF_PAGES = ["/staff/", "/staff/upload", "/staff/jobs", "/staff/items", "/staff/collections",
               "/staff/collections/new", "/staff/items/kzabc234", "/staff/jobs/abc"]


def test_staff_pages_send_anonymous_readers_to_the_login(client):
    for path in STAFF_PAGES + ["/staff/users", "/staff/settings"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.location.startswith("/staff/login?next=")


def test_login_then_every_page_opens(staff_client, add_item):
    add_item()
    for path in STAFF_PAGES[:-1]:
        response = staff_client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "private, no-store"
    assert staff_client.get("/staff/jobs/abc").status_code == 404


def test_login_redirects_only_to_this_site(app):
    username, password, _ = USERS["staff"]
    for target, expected in (("/staff/items", "/staff/items"), ("//evil.example/x", "/staff/"),
                             ("https://evil.example/", "/staff/")):
        client = app.test_client()
        response = client.post("/staff/login", data={"username": username, "password": password, "next": target,
                                                     "csrf_token": token(client)})
        assert response.status_code == 302 and response.location == expected, target


def test_wrong_password_locks_the_account_after_n_tries(tmp_path):
    app = make_app(tmp_path, **{"web.login_max_failures": 3})
    client = app.test_client()
    for _ in range(3):
        response = login(client, "staff", password="wrong password!")
        assert response.status_code == 403
        assert "wrong user name or password" in response.get_data(as_text=True)
    response = login(client, "staff")  # the right password, but locked now
    assert response.status_code == 403
    assert client.get("/staff/").status_code == 302
    with app.extensions["olketanu"].db.read() as session:
        actions = [e.action for e in session.scalars(select(Event).where(Event.target_type == "user"))]
    assert "lock" in actions and "login" not in actions
    assert login(client, "admin").status_code == 302  # other accounts are not affected
    app.extensions["olketanu"].close()


def test_one_address_trying_many_names_is_slowed_down(tmp_path):
    app = make_app(tmp_path, **{"web.login_ip_max_failures": 2})
    client = app.test_client()
    for name in ("nobody", "root"):
        response = client.post("/staff/login", data={"username": name, "password": "x" * 12, "csrf_token": token(client)})
        assert response.status_code == 403
    response = login(client, "staff")  # even the right password waits now
    assert response.status_code == 429
    assert "too many failed logins" in response.get_data(as_text=True)
    app.extensions["olketanu"].close()


def test_forms_without_the_csrf_token_are_refused(client, add_item):
    username, password, _ = USERS["staff"]
    assert client.post("/staff/login", data={"username": username, "password": password}).status_code == 400
    assert login(client, "staff").status_code == 302
    add_item()
    for path, data in [("/staff/logout", {}), ("/staff/items/kzabc234/status", {"action": "publish"}),
                       ("/staff/items/kzabc234/access", {"access": "staff"}), ("/staff/upload", {}),
                       ("/staff/collections/new", {"id": "x", "title-en": "X"}),
                       ("/staff/items/kzabc234/metadata", {"dc-title-0-value": "X"})]:
        assert client.post(path, data=data).status_code == 400, path
        assert client.post(path, data={**data, "csrf_token": "forged"}).status_code == 400, path
    assert client.get("/staff/").status_code == 200  # still logged in: the logout was refused too


def test_anonymous_posts_with_a_token_still_need_a_login(client, add_item):
    add_item()
    response = client.post("/staff/items/kzabc234/status", data={"action": "publish", "csrf_token": token(client)})
    assert response.status_code == 302 and response.location.startswith("/staff/login")


def test_admin_pages_are_for_admins(client):
    login(client, "staff")
    assert client.get("/staff/users").status_code == 403
    assert client.get("/staff/settings").status_code == 403
    assert "/staff/users" not in client.get("/staff/").get_data(as_text=True)


def test_admin_adds_and_disables_a_user(admin_client, app):
    page = admin_client.get("/staff/users").get_data(as_text=True)
    response = admin_client.post("/staff/users", data={"username": "dana", "role": "staff", "password": "dana password 1",
                                                       "password2": "dana password 1", "csrf_token": csrf_from(page)})
    assert response.status_code == 302
    short = admin_client.post("/staff/users", data={"username": "erlan", "role": "staff", "password": "short",
                                                    "password2": "short", "csrf_token": csrf_from(page)})
    assert short.status_code == 400 and "at least 10 characters" in short.get_data(as_text=True)

    other = app.test_client()
    assert other.post("/staff/login", data={"username": "dana", "password": "dana password 1",
                                            "csrf_token": token(other)}).status_code == 302
    assert other.get("/staff/").status_code == 200
    admin_client.post("/staff/users/dana/disabled", data={"disabled": "1", "csrf_token": csrf_from(page)})
    assert other.get("/staff/").status_code == 302  # the open session ends at once
    assert other.post("/staff/login", data={"username": "dana", "password": "dana password 1",
                                            "csrf_token": token(other)}).status_code == 403
    assert "disabled" in admin_client.get("/staff/users").get_data(as_text=True)
    with app.extensions["olketanu"].db.read() as session:
        actions = [(e.actor, e.action) for e in session.scalars(select(Event).where(Event.target_id == "dana"))]
    assert ("aigerim", "create") in actions and ("aigerim", "disable") in actions


def test_settings_page_hides_secrets(tmp_path):
    app = make_app(tmp_path, **{"server.secret_key": "very-secret-session-key"})
    client = app.test_client()
    login(client, "admin")
    text = client.get("/staff/settings").get_data(as_text=True)
    assert "very-secret-session-key" not in text and "web.login_max_failures" in text
    app.extensions["olketanu"].close()


def test_logout(staff_client):
    response = staff_client.post("/staff/logout", data={"csrf_token": token(staff_client, "/staff/")})
    assert response.status_code == 302
    assert staff_client.get("/staff/").status_code == 302


def test_session_cookie_is_httponly_and_secure_when_configured(tmp_path):
    app = make_app(tmp_path, **{"server.secure_cookies": True})
    client = app.test_client()
    response = login(client, "staff")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    app.extensions["olketanu"].close()
