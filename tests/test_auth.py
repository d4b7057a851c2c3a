"""Login and roles (kpiboard.auth): without [auth] the local single user may do everything, as before; with
[auth] a visitor sees only the login screen, roles come from user_roles (and [kpiboard] admins), a viewer is
refused on データ取込 and 権限管理, an editor imports only for their entities. AppTest fakes the login (at.user)."""
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from kpiboard import auth, store
from test_import_helpers import csv_bytes, embedded_copy, fixture

AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32, "client_id": "kpiboard",
        "client_secret": "secret", "server_metadata_url": "http://localhost:9/.well-known/openid-configuration"}
ADMIN, EDITOR, VIEWER = "boss@example.org", "editor@example.org", "viewer@example.org"
TOYAMA = "pref-16"
# a new plan of 富山県 (an existing entity): what an editor of 富山県 may import
TOYAMA_CSV = ("toyama.csv", csv_bytes([
    ["自治体", "計画", "分野", "項目", "指標名", "単位", "方向", "基準値", "基準年度", "目標値", "目標年度", "R5実績"],
    ["富山県", "富山県テスト計画（架空）", "産業", "1-1", "テスト創業者数", "人", "増加", "10", "R4", "20", "R7", "12"],
]))


def roles_frame(*rows) -> pl.DataFrame:
    return pl.DataFrame([{"email": e, "role": r, "entity_id": i, "granted_by": "t", "granted_at": "2025-01-01"}
                         for e, r, i in rows], schema=store.read_table(store.EMBEDDED_DATA_DIR, "user_roles").schema)


@pytest.fixture()
def data(tmp_path, monkeypatch):
    d = embedded_copy(tmp_path)
    store.write_tables(d, {"user_roles": roles_frame((EDITOR, "editor", TOYAMA), ("Other@Example.org", "admin", "*"))})
    monkeypatch.setenv("KPIBOARD_DATA_DIR", str(d))
    return d


def app(page=None, *, email=None, logged_in=True, admins=(ADMIN,)):
    """app.py with [auth] configured, `email` logged in (None: nobody), then `page` (as a sidebar click)."""
    at = AppTest.from_file(str(store.PACKAGE_ROOT / "app.py"), default_timeout=60)
    at.secrets["auth"] = AUTH
    at.secrets["kpiboard"] = {"admins": list(admins)}
    at.user = {"is_logged_in": bool(email and logged_in), **({"email": email, "name": email.split("@")[0]} if email else {})}
    at.run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


def errors(at) -> list[str]:
    return [e.value for e in at.error]


# ------------------------------------------------------------------ role logic


def test_without_auth_the_local_user_may_do_everything():
    assert not auth.auth_configured()  # no secrets file: no exception either
    user = auth.current_user()
    assert user == auth.LOCAL and user.name == "ローカル利用者" and user.role == "admin"
    assert user.can_edit("pref-16") and user.can_edit() and user.is_admin


def test_roles_come_from_user_roles_and_the_bootstrap_admins():
    roles = roles_frame((EDITOR, "editor", TOYAMA), (EDITOR, "editor", "pref-07"), ("Mixed@Example.org", "viewer", ""),
                        ("mixed@example.org", "editor", "pref-07"), ("all@example.org", "editor", "*"),
                        ("admin@example.org", "admin", "*"), ("odd@example.org", "owner", "*"))
    admins = frozenset({"boss@example.org"})
    assert auth.role_of("nobody@example.org", roles, admins) == ("viewer", frozenset())
    assert auth.role_of(" Editor@Example.org ", roles, admins) == ("editor", frozenset({TOYAMA, "pref-07"}))
    assert auth.role_of("mixed@example.org", roles, admins) == ("editor", frozenset({"pref-07"}))  # the higher role
    assert auth.role_of("admin@example.org", roles, admins) == ("admin", frozenset({"*"}))
    assert auth.role_of("BOSS@example.org", roles, admins) == ("admin", frozenset({"*"}))  # no row needed
    assert auth.role_of("odd@example.org", roles, admins) == ("viewer", frozenset())  # an unknown role grants nothing
    assert auth.role_of("", roles, admins) == ("viewer", frozenset())

    editor = auth.User(EDITOR, "e", "editor", frozenset({TOYAMA}))
    assert editor.can_edit(TOYAMA) and editor.can_edit() and not editor.can_edit("pref-07") and not editor.is_admin
    assert auth.User("a", "a", "editor", frozenset({"*"})).can_edit("pref-07")
    assert not auth.User("v", "v", "viewer", frozenset({TOYAMA})).can_edit(TOYAMA)
    assert not auth.User("v", "v", "editor", frozenset()).can_edit()


def test_grant_replaces_an_emails_rows_and_revoke_removes_them():
    roles = roles_frame((EDITOR, "editor", TOYAMA), (VIEWER, "viewer", ""))
    out = auth.granted(roles, "Editor@Example.org", "editor", ["pref-07", "pref-01"], by=ADMIN, at="2025-04-01T09:00:00+09:00")
    mine = out.filter(pl.col("email") == EDITOR).sort("entity_id")
    assert mine["entity_id"].to_list() == ["pref-01", "pref-07"]
    assert set(mine["granted_by"]) == {ADMIN} and set(mine["granted_at"]) == {"2025-04-01T09:00:00+09:00"}
    out = auth.granted(out, VIEWER, "admin", [], by=ADMIN)
    assert out.filter(pl.col("email") == VIEWER).select("role", "entity_id").rows() == [("admin", "*")]
    assert auth.revoked(out, "VIEWER@example.org")["email"].to_list() == [EDITOR, EDITOR]
    with pytest.raises(ValueError):
        auth.granted(roles, VIEWER, "owner", [], by=ADMIN)


def test_an_editor_may_import_only_for_their_entities(tmp_path):
    d = embedded_copy(tmp_path)
    tables = {t: store.read_table(d, t) for t in ("entities", "plans", "kpis")}
    from kpiboard import importer

    editor = auth.User(EDITOR, "e", "editor", frozenset({TOYAMA}))
    aoba = importer.import_files([fixture("aoba_plan_wide_cp932.csv")], d, dry_run=True, keep_plan=True)
    assert auth.entities_not_given(editor, aoba, tables) == ["あおば町"]  # a new entity is nobody's
    toyama = importer.import_files([TOYAMA_CSV], d, dry_run=True, keep_plan=True)
    assert not toyama.errors and toyama.changed
    assert auth.entities_not_given(editor, toyama, tables) == []
    assert auth.entities_not_given(auth.User("x", "x", "editor", frozenset({"pref-07"})), toyama, tables) == ["富山県"]
    assert auth.entities_not_given(auth.LOCAL, aoba, tables) == []


# ------------------------------------------------------------------ the app without [auth]


def test_without_auth_the_app_is_the_local_tool(monkeypatch, tmp_path):
    monkeypatch.setenv("KPIBOARD_DATA_DIR", str(embedded_copy(tmp_path)))
    at = AppTest.from_file(str(store.PACKAGE_ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert not [b for b in at.button if b.key in ("auth_login", "auth_logout")]
    at.switch_page("pages/import_data.py").run()
    assert not at.exception and not at.error
    assert at.text_input(key="import_user").placeholder == "ローカル利用者"
    assert len(at.get("file_uploader")) == 1


# ------------------------------------------------------------------ the app with [auth]


def test_a_visitor_sees_only_the_login_screen(data):
    at = app(page=None)
    assert [b.label for b in at.button] == ["ログイン"]
    assert not at.sidebar.text and not at.sidebar.toggle  # nothing in the sidebar
    assert [t.value for t in at.title] == ["KPI board"]
    assert not at.selectbox and not at.dataframe and not at.metric
    at = app("pages/import_data.py")  # a deep link, still nobody logged in
    assert not at.get("file_uploader") and [b.label for b in at.button] == ["ログイン"]


def test_a_viewer_reads_but_is_refused_on_import_and_roles(data):
    at = app(email=VIEWER)
    assert "viewer（閲覧者）" in [t.value for t in at.sidebar.text]
    assert at.sidebar.button(key="auth_logout").label == "ログアウト"
    assert at.selectbox(key="plan").value == "toyama-growth"  # the overview, as before
    at.switch_page("pages/import_data.py").run()
    assert not at.exception
    assert errors(at) == [auth.EDITOR_NEEDED]
    assert not at.get("file_uploader") and not at.text_input and not [b for b in at.button if b.key == "import_run"]
    at.switch_page("pages/roles.py").run()
    assert errors(at) == [auth.ADMIN_NEEDED] and not at.dataframe and not at.text_input


def test_an_editor_imports_for_their_entity_and_is_recorded(data):
    at = app("pages/import_data.py", email=EDITOR)
    assert not at.error and len(at.get("file_uploader")) == 1
    assert not at.text_input  # the login says who imports
    assert "取込者: editor@example.org" in [t.value for t in at.text]
    assert any("富山県" in t.value for t in at.text if t.value.startswith("取り込める"))

    at.file_uploader(key="import_files").set_value([("aoba.csv", fixture("aoba_plan_wide_cp932.csv")[1], "text/csv")]).run()
    assert not at.exception
    assert any("あおば町" in e and "担当していない" in e for e in errors(at))
    assert at.button(key="import_run").disabled

    before = store.data_version(data)
    at.file_uploader(key="import_files").set_value([(*TOYAMA_CSV, "text/csv")]).run()
    assert not at.error and not at.button(key="import_run").disabled
    at.button(key="import_run").click().run()
    assert not at.exception
    assert any("取り込みました" in s.value for s in at.success)
    assert store.data_version(data) != before
    assert store.read_manifest(data)["last_import"]["user"] == EDITOR


def test_an_editor_is_refused_on_roles_and_an_admin_grants_and_revokes(data):
    at = app("pages/roles.py", email=EDITOR)
    assert errors(at) == [auth.ADMIN_NEEDED]

    at = app(email=ADMIN)  # a bootstrap admin: no row of their own
    assert "boss（管理者）" in [t.value for t in at.sidebar.text]  # (AppTest shows the sidebar of the start page only)
    at.switch_page("pages/roles.py").run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert set(table["メールアドレス"]) == {EDITOR, "other@example.org"}
    assert table.loc[table["メールアドレス"] == EDITOR, "担当"].tolist() == ["富山県"]

    at.text_input(key="roles_email").input("New@Example.org")
    at.selectbox(key="roles_role").select("editor")
    at.multiselect(key="roles_entities").select(TOYAMA).select("pref-07")
    at.button[[b.label for b in at.button].index("付与する")].click().run()
    assert not at.exception and not at.error, errors(at)
    # fmt.md keeps the address from turning into a link (a word joiner after the @)
    assert any("new@example.org に編集者の権限を付与しました" in s.value.replace("\u2060", "") for s in at.success)
    rows = store.read_table(data, "user_roles").filter(pl.col("email") == "new@example.org")
    assert sorted(rows["entity_id"]) == ["pref-07", TOYAMA]
    assert set(rows["role"]) == {"editor"} and set(rows["granted_by"]) == {ADMIN}
    assert all(t.startswith("20") and "T" in t for t in rows["granted_at"])

    at.selectbox(key="roles_revoke_email").select("new@example.org")
    at.button[[b.label for b in at.button].index("取り消す")].click().run()
    assert not at.exception
    assert store.read_table(data, "user_roles").filter(pl.col("email") == "new@example.org").is_empty()


def test_an_admin_cannot_change_their_own_role(data):
    at = app("pages/roles.py", email="other@example.org")
    assert not at.error
    assert "other@example.org" not in at.selectbox(key="roles_revoke_email").options
    at.text_input(key="roles_email").input("OTHER@example.org")
    at.selectbox(key="roles_role").select("viewer")
    at.button[[b.label for b in at.button].index("付与する")].click().run()
    assert any("自分の権限" in e for e in errors(at))
    assert auth.role_of("other@example.org", store.read_table(data, "user_roles"))[0] == "admin"


def test_the_navigation_hides_what_a_role_may_not_use(data, monkeypatch):
    import streamlit as st

    seen, real = [], st.navigation

    def recording(pages, **kwargs):  # what app.py hands st.navigation: visibility per page
        seen.append({p.url_path: p.visibility for section in pages.values() for p in section})
        return real(pages, **kwargs)

    monkeypatch.setattr(st, "navigation", recording)
    for email, import_shown, roles_shown in ((VIEWER, False, False), (EDITOR, True, False), (ADMIN, True, True)):
        seen.clear()
        app(email=email)
        assert (seen[-1]["import"], seen[-1]["roles"]) == (("visible" if import_shown else "hidden"),
                                                          ("visible" if roles_shown else "hidden")), email
        assert seen[-1]["data"] == "visible"
