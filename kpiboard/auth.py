"""Login and roles (issue #11).

With an `[auth]` section in .streamlit/secrets.toml the app asks for an OIDC login (st.login) and every user
has a role: viewers read; editors import, edit and comment for the entities they are given; admins also
manage roles (page 権限管理). Roles live in the store table `user_roles`, one row per (email, entity); an
email with no row is a viewer, and the emails in secrets `[kpiboard] admins` are admins whatever the table
says, so a fresh server has a first admin. Without `[auth]` the app is the single-user local tool it always
was: one local user who may do everything.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl
import streamlit as st

from . import store

VIEWER, EDITOR, ADMIN = "viewer", "editor", "admin"
ROLES = (VIEWER, EDITOR, ADMIN)  # lowest first
ROLE_JA = {VIEWER: "閲覧者", EDITOR: "編集者", ADMIN: "管理者"}
ALL = "*"  # an entity_id meaning every entity
LOCAL_USER = "ローカル利用者"  # the one user without [auth] (the name the import history has always recorded)
TABLE = "user_roles"

EDITOR_NEEDED = "この操作には編集者の権限が必要です。必要な場合は管理者に権限を依頼してください。"
ADMIN_NEEDED = "この画面は管理者だけが使えます。"


@dataclass(frozen=True)
class User:
    email: str
    name: str
    role: str
    entity_ids: frozenset = frozenset()

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def may_edit_some(self) -> bool:
        """An editor given at least one entity, or an admin: sees the import controls."""
        return self.is_admin or (self.role == EDITOR and bool(self.entity_ids))

    def can_edit(self, entity_id: str | None = None) -> bool:
        """May import, edit and comment for `entity_id` (None: for some entity)."""
        if self.is_admin:
            return True
        if self.role != EDITOR:
            return False
        if entity_id is None:
            return bool(self.entity_ids)
        return ALL in self.entity_ids or entity_id in self.entity_ids

    @property
    def recorded_as(self) -> str:
        """Who a change is recorded as: the login's email, or the local user's name."""
        return self.email or self.name


LOCAL = User(email="", name=LOCAL_USER, role=ADMIN, entity_ids=frozenset({ALL}))


def _section(name: str) -> dict:
    """A secrets section, {} when there is none or no secrets file at all (st.secrets raises then)."""
    try:
        value = st.secrets[name]
    except (KeyError, FileNotFoundError):  # StreamlitSecretNotFoundError is a FileNotFoundError
        return {}
    try:
        return dict(value)
    except (TypeError, ValueError):  # `auth = "x"`: not a section
        return {}


def auth_configured() -> bool:
    return bool(_section("auth"))


def bootstrap_admins() -> frozenset[str]:
    admins = _section("kpiboard").get("admins") or []
    if isinstance(admins, str):
        admins = [admins]
    return frozenset(normal_email(a) for a in admins if str(a).strip())


def normal_email(email) -> str:
    return str(email or "").strip().lower()


def role_of(email: str, roles: pl.DataFrame, admins: frozenset[str] = frozenset()) -> tuple[str, frozenset]:
    """(role, entity_ids) of `email` from user_roles rows: the highest role among its rows; an editor's
    entities are its editor rows' entity_id ("*" = all); no row: viewer."""
    email = normal_email(email)
    if not email:
        return VIEWER, frozenset()
    if email in admins:
        return ADMIN, frozenset({ALL})
    rows = roles.filter(pl.col("email").str.strip_chars().str.to_lowercase() == email)
    found = [r for r in rows["role"].to_list() if r in ROLES]
    if not found:
        return VIEWER, frozenset()
    role = max(found, key=ROLES.index)
    if role == ADMIN:
        return ADMIN, frozenset({ALL})
    if role == EDITOR:
        ids = rows.filter((pl.col("role") == EDITOR) & (pl.col("entity_id").fill_null("") != ""))["entity_id"]
        return EDITOR, frozenset(ids.to_list())
    return VIEWER, frozenset()


def read_roles(directory: Path) -> pl.DataFrame:
    """user_roles as stored now (for changing it), emails as compared (trimmed, lower case: a row written
    by hand may differ)."""
    return _normal_emails(store.read_table(directory, TABLE))


def _normal_emails(roles: pl.DataFrame) -> pl.DataFrame:
    return roles.with_columns(pl.col("email").fill_null("").str.strip_chars().str.to_lowercase())


def _current_roles() -> pl.DataFrame:
    from . import ui  # imported late: ui pulls in the heavy modules, and the unit tests of roles need none

    return ui.table(TABLE)  # store.read_table of ui.data_directory(), cached until the data changes


def current_user() -> User:
    """Who is using the app. With [auth] and nobody logged in, draws the login screen and stops the run,
    so nothing after this call is drawn for an anonymous visitor."""
    if not auth_configured():
        return LOCAL
    if not st.user.get("is_logged_in"):
        login_screen()
    email = str(st.user.get("email") or "")
    if st.user.get("email_verified") is False:  # an address the provider has not checked grants nothing
        role, ids = VIEWER, frozenset()
    else:
        role, ids = role_of(email, _current_roles(), bootstrap_admins())
    name = str(st.user.get("name") or email or "利用者")
    return User(email=normal_email(email), name=name, role=role, entity_ids=ids)


def login_screen() -> None:
    st.title("KPI board")
    st.write("このアプリを使うにはログインしてください。")
    if st.button("ログイン", type="primary", key="auth_login", icon=":material/login:"):
        try:
            st.login()
        except Exception:  # Authlib missing, [auth] incomplete: the details (paths, settings) go to the log only
            logging.getLogger("kpiboard").exception("st.login failed")
            st.error("ログインの設定に問題があるため、ログインできません。管理者に連絡してください"
                     "（詳細はサーバーのログに記録しました）。", icon=":material/error:")
    st.stop()


def can_edit(entity_id: str | None = None) -> bool:
    return current_user().can_edit(entity_id)


def require_editor(entity_id: str | None = None) -> User:
    """The current user if they may edit `entity_id` (None: some entity); else a Japanese refusal and stop."""
    user = current_user()
    if not user.can_edit(entity_id):
        st.error(EDITOR_NEEDED, icon=":material/lock:")
        st.stop()
    return user


def require_admin() -> User:
    user = current_user()
    if not user.is_admin:
        st.error(ADMIN_NEEDED, icon=":material/lock:")
        st.stop()
    return user


# ---------------------------------------------------------------------------------------------
# Changing roles (page 権限管理)

def now_text() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def granted(roles: pl.DataFrame, email: str, role: str, entity_ids, by: str, at: str | None = None) -> pl.DataFrame:
    """`roles` with `email`'s rows replaced by `role` (an editor: one row per entity; others: one row)."""
    email = normal_email(email)
    if role not in ROLES:
        raise ValueError(role)
    at = at or now_text()
    ids = sorted(set(entity_ids)) if role == EDITOR else [ALL if role == ADMIN else ""]
    new = pl.DataFrame([{"email": email, "role": role, "entity_id": e, "granted_by": by, "granted_at": at} for e in ids],
                       schema=roles.schema)
    return pl.concat([revoked(roles, email), new])


def revoked(roles: pl.DataFrame, email: str) -> pl.DataFrame:
    return roles.filter(pl.col("email").str.strip_chars().str.to_lowercase() != normal_email(email))


def write_roles(directory: Path, roles: pl.DataFrame, *, author: str, message: str, base_version=None) -> None:
    """Store user_roles, saying who changed it. With base_version (the snapshot the roles were read from), a change
    by another admin in between raises store.StaleData instead of being overwritten."""
    store.write_tables(directory, {TABLE: roles}, author=author, message=message, base_version=base_version)


# ---------------------------------------------------------------------------------------------
# What an import touches (page データ取込)

def entity_names(entity_ids, entities: pl.DataFrame) -> list[str]:
    names = dict(zip(entities["entity_id"], entities["name"]))
    return [("すべての自治体・圏域" if e == ALL else names.get(e, e)) for e in entity_ids]


def entities_not_given(user: User, result, tables: dict[str, pl.DataFrame]) -> list[str]:
    """Names of the entities whose KPIs an import preview (`result`) would add or change and `user` is not
    given; [] for an admin or an editor of all entities. `tables`: the store's entities, plans and kpis.
    A KPI is placed by its plan's entity_id (names repeat: 府中市 is in two prefectures), in the stored
    tables and in the tables the import would write (new KPIs, plans and entities)."""
    if user.is_admin or ALL in user.entity_ids:
        return []
    unchanged = "unchanged"
    touched = {k["kpi_id"]: k.get("entity") or "" for k in result.kpis if k.get("status") != unchanged}
    for o in result.observations:
        if o["status"] != unchanged and o["kpi_id"] not in touched:
            touched[o["kpi_id"]] = o["entity"] or ""
    # a 施策開始日 that changes: the entity of its 施策's plan (the KPIs of the rows may all be unchanged)
    starts = {s["plan_id"]: s.get("plan") or s["plan_id"] for s in getattr(result, "starts", ())
              if s.get("status") != unchanged}
    if not touched and not starts:
        return []
    planned = getattr(getattr(result, "plan", None), "tables", None) or {}

    def pairs(table: str, key: str, value: str) -> list[tuple[str, str]]:
        frames = [f for f in (tables.get(table), planned.get(table)) if f is not None and f.height]
        return [p for f in frames for p in zip(f[key].to_list(), f[value].to_list())]

    kpi_plans: dict[str, set] = {}
    for kpi_id, plan_id in pairs("kpis", "kpi_id", "plan_id"):
        if kpi_id in touched:
            kpi_plans.setdefault(kpi_id, set()).add(plan_id)  # an updated KPI: its stored and its new plan
    plan_entity = dict(pairs("plans", "plan_id", "entity_id"))
    names = dict(pairs("entities", "entity_id", "name"))
    refused = set()
    for kpi_id, entity_name in touched.items():
        owners = {plan_entity.get(p) for p in kpi_plans.get(kpi_id, ())}
        if not owners or None in owners:  # not placed: refused, named as the result names it
            refused.add(entity_name or kpi_id)
            continue
        refused |= {names.get(e, e) for e in owners if e not in user.entity_ids}
    for plan_id, plan_name in starts.items():
        owner = plan_entity.get(plan_id)
        if owner is None or owner not in user.entity_ids:
            refused.add(names.get(owner, plan_name) if owner else plan_name)
    return sorted(refused)
