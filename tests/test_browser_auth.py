"""Login and roles in a real browser: the server has an [auth] section pointing at a local OIDC provider
(oidc-provider-mock, from PyPI, on a loopback port in this process); each user logs in through its form.
A viewer gets no データ取込 in the navigation and is refused at /import; an editor gets the uploader."""
import pytest

from browser import ROOT, assert_no_exception, chromium_page, free_port, streamlit_server, wait_for_app
from kpiboard import auth, store
from test_import_helpers import FIXTURES, embedded_copy
from test_auth import roles_frame

pytestmark = pytest.mark.browser
oidc = pytest.importorskip("oidc_provider_mock")

VIEWER, EDITOR, ADMIN = "viewer@example.org", "editor@example.org", "admin@example.org"
NAMES = {VIEWER: "閲覧 花子", EDITOR: "編集 太郎", ADMIN: "管理 次郎"}
TOYAMA = "pref-16"
SHOTS = ROOT / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("auth")
    data = embedded_copy(tmp)
    store.write_tables(data, {"user_roles": roles_frame((EDITOR, "editor", TOYAMA))})  # the admin is bootstrapped
    users = [oidc.User(sub=e, claims={"email": e, "name": n, "email_verified": True}) for e, n in NAMES.items()]
    with oidc.run_server_in_thread(port=0, user_claims=users) as provider:
        port = free_port()
        secrets = tmp / "secrets.toml"
        secrets.write_text(f"""
[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "a-test-cookie-secret-that-is-long-enough"
client_id = "kpiboard-test"
client_secret = "kpiboard-test-secret"
server_metadata_url = "http://localhost:{provider.server_port}/.well-known/openid-configuration"

[kpiboard]
admins = ["{ADMIN}"]
""", encoding="utf-8")
        with streamlit_server(data, port=port, secrets=secrets) as url:
            yield url


def log_in(page, url, email, shot=None):
    page.goto(url)
    wait_for_app(page)
    assert page.get_by_test_id("stSidebarNav").count() == 0  # the login screen and nothing else
    if shot:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / shot))
    page.get_by_role("button", name="ログイン").click()
    page.get_by_role("button", name=email).click()  # the provider's form: one button per predefined user
    page.get_by_test_id("stSidebar").get_by_text(f"{NAMES[email]}（", exact=False).wait_for(timeout=30_000)
    wait_for_app(page)
    assert_no_exception(page)


def nav_links(page) -> list[str]:
    links = page.get_by_test_id("stSidebarNav").get_by_role("link")
    # a link's text is its icon's ligature name, then its title
    return [links.nth(i).inner_text().strip().split("\n")[-1] for i in range(links.count())]


def test_a_viewer_reads_and_is_refused_on_import(app_url):
    with chromium_page() as page:
        log_in(page, app_url, VIEWER, shot="auth_1_login.png")
        sidebar = page.get_by_test_id("stSidebar")
        assert sidebar.get_by_text("閲覧 花子（閲覧者）").is_visible()
        links = nav_links(page)
        assert "概要" in links and "データ" in links
        assert "データ取込" not in links and "権限管理" not in links
        assert page.get_by_role("heading", name="概要").count() == 1

        page.goto(app_url + "/import")  # a direct call
        wait_for_app(page)
        page.get_by_text(auth.EDITOR_NEEDED).wait_for(timeout=30_000)
        page.screenshot(path=str(SHOTS / "auth_2_viewer_import_refused.png"))
        assert page.get_by_test_id("stFileUploader").count() == 0
        assert page.get_by_role("button", name="取り込む").count() == 0
        page.goto(app_url + "/roles")
        wait_for_app(page)
        page.get_by_text(auth.ADMIN_NEEDED).wait_for(timeout=30_000)

        page.get_by_role("button", name="ログアウト").click()
        page.wait_for_timeout(1500)
        page.goto(app_url)
        page.get_by_role("button", name="ログイン").wait_for(timeout=30_000)


def test_an_editor_gets_the_uploader_for_their_entities(app_url):
    with chromium_page(height=1600) as page:
        log_in(page, app_url, EDITOR)
        assert page.get_by_test_id("stSidebar").get_by_text("編集 太郎（編集者）").is_visible()
        links = nav_links(page)
        assert "データ取込" in links and "権限管理" not in links
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="データ取込").click()
        wait_for_app(page)
        page.get_by_test_id("stFileUploader").wait_for(timeout=30_000)
        page.get_by_text(f"取込者: {EDITOR}").wait_for()
        page.get_by_text("取り込める自治体・圏域: 富山県").wait_for()

        # a file for another (new) entity: previewed, but not imported
        chooser = page.get_by_test_id("stFileUploader").locator("input[type=file]")
        chooser.set_input_files([str(FIXTURES / "aoba_plan_wide_cp932.csv")])
        page.get_by_text("プレビュー", exact=True).wait_for(timeout=60_000)
        page.get_by_text("担当していない自治体・圏域", exact=False).first.wait_for(timeout=30_000)
        assert page.get_by_role("button", name="取り込む").is_disabled()
        page.screenshot(path=str(SHOTS / "auth_3_editor_refused_entity.png"), full_page=True)
        assert_no_exception(page)


def test_an_admin_manages_roles(app_url):
    with chromium_page() as page:
        log_in(page, app_url, ADMIN)
        links = nav_links(page)
        assert "データ取込" in links and "権限管理" in links
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="権限管理").click()
        wait_for_app(page)
        page.get_by_role("heading", name="付与済みの権限").wait_for(timeout=30_000)
        assert page.get_by_test_id("stDataFrame").count() == 1
        page.screenshot(path=str(SHOTS / "auth_4_roles.png"), full_page=True)
        assert_no_exception(page)
