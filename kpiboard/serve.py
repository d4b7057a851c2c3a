"""Start the app: `python -m kpiboard.serve [streamlit options]` is `streamlit run app.py [options]`, with
Streamlit told first that app.py is an st.navigation app.

Streamlit decides once per process whether it serves a legacy `pages/` folder app (a `pages/` folder next to
the script), and only the first run of app.py corrects it: a fresh server's first deep link (/import) would
run as the old kind of app and show "Page not found". Deciding it before the server starts closes that window
(ui.ensure_app_shell still covers a plain `streamlit run app.py`).
"""
from __future__ import annotations

import sys

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

from .store import PACKAGE_ROOT


def main(args: list[str]) -> None:
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(PACKAGE_ROOT / "server.py"), *args]
    cli.main()


if __name__ == "__main__":
    main(sys.argv[1:])
