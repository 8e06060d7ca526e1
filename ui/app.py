"""DNAHLM in the browser: ask the agent, predict, explore a knowledge index, inspect the model.

Start it with ``dnahlm ui [--index DIR] [--model DIR] [--port N]`` (or ``streamlit run`` on this file;
settings come from ``DNAHLM_UI__*`` variables, see :mod:`dnahlm.ui.resources`). This script only sets up
the page, the sidebar (index and checkpoint folders, shared by every page) and the navigation; each page
lives in its own ``page_*.py`` and calls the library.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dnahlm.errors import DnahlmError, UserInputError
from dnahlm.ui import resources
from dnahlm.ui.text import md_line

HERE = Path(__file__).resolve().parent
PAGES = (  # the first is the default page, served at "/"
    ("page_ask.py", "Ask", ":material/chat:", "ask"),
    ("page_predict.py", "Predict", ":material/analytics:", "predict"),
    ("page_index.py", "Index", ":material/database:", "index"),
    ("page_model.py", "Model", ":material/model_training:", "model"),
)


def sidebar(cfg: resources.UIConfig) -> None:
    """The index and checkpoint folders every page uses (kept in ``st.session_state``)."""
    if "_pending_index" in st.session_state:  # the Index page created a new index: use it everywhere
        st.session_state["index_dir"] = st.session_state.pop("_pending_index")
    if "index_dir" not in st.session_state:
        default = cfg.index
        if default is None and cfg.use_starter:
            try:
                default = resources.starter_index()
            except DnahlmError as exc:  # a broken pack: say so, run without an index
                st.warning(f"The starter index could not be built: {exc}")
        st.session_state["index_dir"] = default or ""
    st.session_state.setdefault("model_dir", cfg.model)
    with st.sidebar:
        st.markdown("### DNAHLM")
        st.text_input(
            "Knowledge index folder",
            key="index_dir",
            help="Predictions from labelled pools, similar sequences and papers need one. Empty: none "
            "(predictions then use the checkpoint's tuned tasks zero-shot).",
        )
        index = st.session_state["index_dir"].strip()
        if not index:
            st.caption("No index: answers come from the model and sequence tools alone.")
        elif resources.has_index(index):
            st.caption(f"Index ready (generation {resources.index_token(index).split(':')[0]}).")
        else:
            st.caption("No index in this folder yet: add files on the Index page to create one.")
        st.text_input("Checkpoint folder", key="model_dir", help="Default: the embedded dnahlm-tiny.")
        st.caption("Offline: nothing leaves this machine.")


def main() -> None:
    """Set up the page and run the selected one."""
    st.set_page_config(page_title="DNAHLM", page_icon=":material/genetics:", layout="wide")
    nav = st.navigation(
        [
            st.Page(HERE / file, title=title, icon=icon, url_path=None if i == 0 else url, default=i == 0)
            for i, (file, title, icon, url) in enumerate(PAGES)
        ]
    )
    try:
        cfg = resources.ui_config()
    except UserInputError as exc:  # a bad DNAHLM_* value: one line, no page runs on meaningless settings
        st.error(md_line(f"Settings: {exc}"))
        st.stop()
    sidebar(cfg)
    nav.run()


if __name__ == "__main__":  # Streamlit runs the script as __main__
    main()
