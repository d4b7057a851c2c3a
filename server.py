"""The app's server: app.py as an st.App with the routes the pages need beside Streamlit's own (the streamed
downloads of kpiboard/downloads.py). `python -m kpiboard.serve` (scripts/start.sh) runs this file; `streamlit run
app.py` still serves every page, with the downloads as buttons instead."""
import streamlit as st

from kpiboard import downloads

downloads.mark_serving()
app = st.App("app.py", routes=downloads.routes())
