"""権限管理 — ログインする利用者の権限（閲覧者・編集者・管理者）と、編集者が担当する自治体を決める（管理者のみ）"""
import polars as pl
import streamlit as st

from kpiboard import auth, store, ui
from kpiboard import format as fmt

ui.page_header("権限管理", "ログインする利用者ごとに権限を付与・変更・取り消します。権限のない利用者は閲覧者です。")
me = auth.require_admin()
directory = ui.data_directory()

if not auth.auth_configured():
    st.info("ログイン（.streamlit/secrets.toml の [auth]）が設定されていないため、ここで決めた権限はまだ使われません。"
            "設定すると、ログインした利用者にこの権限が適用されます。", icon=":material/info:")
if directory == store.EMBEDDED_DATA_DIR:
    st.caption("権限は表示中のデータディレクトリ（埋め込みデータ data/）に保存されます。"
               "運用では環境変数 KPIBOARD_DATA_DIR で別のデータディレクトリを指定してください。")

done = st.session_state.pop("roles_done", None)
if done:
    st.success(fmt.md(done), icon=":material/check_circle:")  # it names emails and entities: data, not Markdown

read_version = store.data_version(directory)  # before the roles: a change by another admin after it is refused
roles = auth.read_roles(directory)
entities = ui.table("entities")
names = dict(zip(entities["entity_id"], entities["name"]))
ENTITY_LABELS = {auth.ALL: "すべての自治体・圏域", **names}

st.subheader("付与済みの権限")
shown = roles.select(
    pl.col("email").alias("メールアドレス"),
    pl.col("role").replace(auth.ROLE_JA).alias("権限"),
    pl.col("entity_id").replace(ENTITY_LABELS).fill_null("").alias("担当"),
    pl.col("granted_by").fill_null("").alias("付与者"),
    pl.col("granted_at").fill_null("").alias("付与日時"),
).with_columns(pl.when(pl.col("権限") == auth.ROLE_JA[auth.VIEWER]).then(pl.lit("")).otherwise(pl.col("担当"))
               .alias("担当"))
st.dataframe(shown, hide_index=True, width="stretch", key="roles_table")
if roles.is_empty():
    st.caption("まだ誰にも権限を付与していません（ログインした利用者はすべて閲覧者です）。")
admins = sorted(auth.bootstrap_admins())
if admins:
    st.caption(f"このほか、secrets.toml の [kpiboard] admins に書かれた {len(admins)} 人は常に管理者です"
               "（ここでは変更できません）:")
    st.text("\n".join(admins))


def _store(frame: pl.DataFrame, message: str) -> None:
    try:
        auth.write_roles(directory, frame, author=me.recorded_as, message=message, base_version=read_version)
    except store.StaleData:
        st.error("この画面を開いた後に、ほかの管理者が権限を変更したため、保存していません。画面を更新してから、もう一度操作してください。",
                 icon=":material/error:")
        return
    st.session_state["roles_done"] = message
    st.rerun()


st.subheader("権限を付与・変更する")
with st.form("roles_grant", clear_on_submit=True):
    email = st.text_input("メールアドレス（ログインに使うもの）", key="roles_email", placeholder="name@example.org")
    role = st.selectbox("権限", list(auth.ROLES), format_func=auth.ROLE_JA.get, index=1, key="roles_role",
                        placeholder=ui.PICK)
    picked = st.multiselect("担当する自治体・圏域（編集者のみ。取込・編集・コメントができる範囲）", list(ENTITY_LABELS),
                            format_func=ENTITY_LABELS.get, key="roles_entities", placeholder="選んでください")
    submitted = st.form_submit_button("付与する", type="primary")
if submitted:
    address = auth.normal_email(email)
    if "@" not in address or any(c.isspace() for c in address):
        st.error("メールアドレスを入力してください（例: name@example.org）。", icon=":material/error:")
    elif address == me.email:
        st.error("自分の権限はここでは変更できません（別の管理者に依頼してください）。", icon=":material/error:")
    elif role == auth.EDITOR and not picked:
        st.error("編集者には、担当する自治体・圏域を1つ以上選んでください。", icon=":material/error:")
    else:
        given = [auth.ALL] if auth.ALL in picked else picked
        scope = ("（" + "、".join(ENTITY_LABELS.get(e, e) for e in given) + "）") if role == auth.EDITOR else ""
        _store(auth.granted(roles, address, role, given, by=me.recorded_as),
               f"{address} に{auth.ROLE_JA[role]}の権限を付与しました{scope}。")

st.subheader("権限を取り消す")
emails = sorted(set(roles["email"].to_list()) - {me.email})
if not emails:
    st.caption("取り消せる権限はありません。")
else:
    with st.form("roles_revoke"):
        target = st.selectbox("メールアドレス", emails, key="roles_revoke_email", placeholder=ui.PICK)
        revoke = st.form_submit_button("取り消す")
    if revoke and target:
        # the rows go; who revoked is in the change's author and message (the store's history)
        _store(auth.revoked(roles, target), f"{target} の権限を取り消しました（閲覧者に戻ります）。")
