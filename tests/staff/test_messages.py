"""Staff action messages are in the interface language: a staff action shows its message in kk and ru,
and every message the staff modules flash has a Kazakh and a Russian translation.

The second test reads the source: every `flash(...)` in `repository/web/staff*.py` must show a `_()`
message, or the result of a function that returns only such messages (like `refusal(exc)`). A function
that passes its own parameter on to `flash`, like `_attempt(item_id, done, …)`, is followed to its
callers. So a new untranslated message, or one missing from a catalog, fails here.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from repository.models import Item
from repository.web.i18n import TRANSLATIONS_DIR
from tests.staff.conftest import csrf_from, token

ROOT = Path(__file__).resolve().parents[2]
STAFF_MODULES = sorted((ROOT / "repository" / "web").glob("staff*.py"))
GETTEXT = frozenset({"_", "gettext"})
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


# --- the source scan --------------------------------------------------------------------------


def _name(node: ast.AST) -> str | None:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None


def _is_gettext(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and _name(node.func) in GETTEXT and bool(node.args)
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str))


def _msgids(node: ast.AST) -> list[str]:
    return [n.args[0].value for n in ast.walk(node) if _is_gettext(n)]


def _loose_text(node: ast.AST) -> list[ast.AST]:
    """Text in a message expression that does not go through `_()` (dict keys and indexes only select)."""
    if _is_gettext(node):
        return []
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return [node]
    if isinstance(node, ast.Dict):
        children = [v for v in node.values if v is not None]
    elif isinstance(node, ast.Subscript):
        children = [node.value]
    else:
        children = list(ast.iter_child_nodes(node))
    return [loose for child in children for loose in _loose_text(child)]


def _message_arg(call: ast.Call, index: int) -> ast.AST | None:
    if len(call.args) > index:
        return call.args[index]
    return next((k.value for k in call.keywords if k.arg == "message"), None)


def _makers(functions: list[tuple[str, ast.AST]]) -> dict[str, list[str]]:
    """Functions whose every return value is a `_()` message: name -> their msgids."""
    makers = {}
    for _module, fn in functions:
        returned = [n.value for n in ast.walk(fn) if isinstance(n, ast.Return) and n.value is not None]
        if returned and all(_msgids(value) and not _loose_text(value) for value in returned):
            makers[fn.name] = [msgid for value in returned for msgid in _msgids(value)]
    return makers


def _shown(arg: ast.AST | None, makers: dict[str, list[str]]) -> list[str] | None:
    """The msgids a message expression shows, or None when it shows text that is not translated."""
    if arg is None or _loose_text(arg):
        return None
    made = [m for n in ast.walk(arg) if isinstance(n, ast.Call) for m in makers.get(_name(n.func) or "", [])]
    return (_msgids(arg) + made) or None


def scan(sources: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """({msgid: where}, [problems]) for the messages flashed by these modules (name -> source text)."""
    functions = [(name, fn) for name, text in sources.items() for fn in ast.walk(ast.parse(text))
                 if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))]
    makers = _makers(functions)
    sinks = {"flash": 0}  # function -> position of the message it shows
    while True:
        found: dict[str, str] = {}
        problems: list[str] = []
        new_sinks = dict(sinks)
        for module, fn in functions:
            params = [a.arg for a in fn.args.args]
            for call in (n for n in ast.walk(fn) if isinstance(n, ast.Call) and _name(n.func) in sinks):
                where = f"{module}:{call.lineno}"
                arg = _message_arg(call, sinks[_name(call.func)])
                if isinstance(arg, ast.Name) and arg.id in params:
                    new_sinks.setdefault(fn.name, params.index(arg.id))  # passed on: check the callers
                    continue
                shown = _shown(arg, makers)
                if shown is None:
                    problems.append(f"{where}: the message does not go through _()")
                else:
                    found.update({msgid: where for msgid in shown})
        if new_sinks == sinks:
            return found, problems
        sinks = new_sinks


@pytest.fixture(scope="module")
def flashed() -> dict[str, str]:
    found, problems = scan({path.name: path.read_text(encoding="utf-8") for path in STAFF_MODULES})
    assert not problems, problems
    return found


def test_the_scan_finds_messages_and_untranslated_ones():
    found, problems = scan({"m.py": """
def ok(x):
    flash(_("Saved %(x)s.", x=x), "ok")
    flash({"a": _("A."), "b": _("B.")}[x], "ok")
def attempt(item_id, done):
    flash(done, "ok")
def caller(x):
    attempt(x, _("Forwarded."))
    attempt(x, "plain forwarded")
def bad(x):
    flash(f"user {x} created", "ok")
    flash("saved", "ok")
    flash(_("Half") + " english", "ok")
    flash(x.message, "error")
def refusal(exc):
    return with_english(_("Refused: %(reason)s"), reason=exc.message)
def plain(exc):
    return exc.message
def uses_makers(exc):
    flash(refusal(exc), "error")
    flash(plain(exc), "error")
"""})
    assert set(found) == {"Saved %(x)s.", "A.", "B.", "Forwarded.", "Refused: %(reason)s"}
    assert sorted(int(p.split(":")[1]) for p in problems) == [9, 11, 12, 13, 14, 21]


def test_staff_modules_flash_only_translated_messages(flashed):
    # Enough of them found that the scan is looking at the right code.
    assert {"Published.", "Metadata saved.", "Pages saved.", "Collection saved.", "Not done: %(reason)s",
            "Linked to catalogue record %(record)s."} <= set(flashed)


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_every_flashed_message_has_a_translation(flashed, locale):
    with (TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=locale)
    problems = []
    for msgid, where in sorted(flashed.items()):
        message = catalog.get(msgid)
        text = message.string if message is not None else ""
        if not text or text == msgid:
            problems.append(f"{msgid!r} ({where}) is not translated")
        elif sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(msgid)):
            problems.append(f"{msgid!r} ({where}): the translation has other placeholders: {text!r}")
    assert not problems, f"{locale}: " + "; ".join(problems)


# --- in the running app -----------------------------------------------------------------------


def _item_form(client, item_id: str, lang: str) -> str:
    # ?lang= chooses the interface language and the cookie keeps it for the POST that follows.
    return csrf_from(client.get(f"/staff/items/{item_id}", query_string={"lang": lang}).get_data(as_text=True))


@pytest.mark.parametrize(("lang", "published", "saved"), [
    ("ru", "Опубликовано.", "Уровень доступа сохранён."),
    ("kk", "Жарияланды.", "Қолжетімділік деңгейі сақталды."),
    ("en", "Published.", "Access level saved."),
])
def test_a_staff_action_shows_its_message_in_the_interface_language(staff_client, add_item, services, lang,
                                                                     published, saved):
    add_item()
    token = _item_form(staff_client, "kzabc234", lang)
    page = staff_client.post("/staff/items/kzabc234/status", data={"csrf_token": token, "action": "publish"},
                             follow_redirects=True).get_data(as_text=True)
    assert f'<div class="notice notice-ok" role="status"><p>{published}</p></div>' in page
    page = staff_client.post("/staff/items/kzabc234/access", data={"csrf_token": token, "access": "staff"},
                             follow_redirects=True).get_data(as_text=True)
    assert saved in page
    with services.db.read() as session:
        assert session.get(Item, "kzabc234").status == "published"


def test_a_refusal_is_translated_with_the_services_reason_marked_english(staff_client, add_item, services):
    add_item()
    token = _item_form(staff_client, "kzabc234", "ru")
    page = staff_client.post("/staff/items/kzabc234/access", data={"csrf_token": token, "access": "<b>everyone"},
                             follow_redirects=True).get_data(as_text=True)
    notice = page[page.index('class="notice notice-error"'):]
    notice = notice[:notice.index("</div>")]
    assert "Не выполнено: <span lang=\"en\">access must be one of" in notice
    assert "&lt;b&gt;everyone" in notice and "<b>" not in notice  # the typed value is escaped, not markup
    with services.db.read() as session:
        assert session.get(Item, "kzabc234").access == "public"


def test_a_staff_own_refusal_is_translated(staff_client, add_item):
    add_item()
    token = _item_form(staff_client, "kzabc234", "kk")
    page = staff_client.post("/staff/items/kzabc234/pages", data={"csrf_token": token, "pos-1": "бір"},
                             follow_redirects=True).get_data(as_text=True)
    assert "1-бет: орны «бір» емес, бүтін сан болуы керек." in page


def test_form_refusals_on_the_other_staff_pages_are_translated(client, admin_client):
    form = {"csrf_token": token(admin_client, "/staff/users?lang=kk"), "username": "dana", "role": "staff",
            "password": "a long password 1", "password2": "another password 2"}
    assert "Екі құпиясөз сәйкес емес." in admin_client.post("/staff/users", data=form).get_data(as_text=True)
    page = admin_client.post("/staff/upload?lang=ru", data={"csrf_token": form["csrf_token"]}).get_data(as_text=True)
    assert "Выберите файлы страниц или zip-архив для загрузки." in page
    admin_client.post("/staff/logout", data={"csrf_token": form["csrf_token"]})
    page = client.post("/staff/login?lang=ru", data={"csrf_token": token(client), "username": "nobody",
                                                    "password": "wrong"}).get_data(as_text=True)
    assert 'Вход не выполнен: <span lang="en">wrong user name or password' in page
