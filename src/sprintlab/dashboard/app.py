"""Page routing of the dashboard (``streamlit run app.py``)."""

from __future__ import annotations

import streamlit as st

from . import (
    access,
    common,
    page_analyse,
    page_athlete,
    page_compare,
    page_library,
    page_rep,
    page_review,
)


def main() -> None:
    """Set up the page and run the page the URL names (the Library page by default)."""
    st.set_page_config(page_title="sprintlab", page_icon=":material/sprint:", layout="wide")
    # Nothing of the library is shown to a visitor who may not see it.
    access.require_access()
    # The Library page answers at "/" and at "/library" (a link or bookmark to either works):
    # Streamlit puts the default page at "/" only, so it is registered twice and the sidebar,
    # drawn here, lists it once.
    home = common.guarded(page_library.render)
    home.__name__ = "home"
    pages = {
        "home": st.Page(home, title="Library", icon=":material/table:", default=True),
        "library": st.Page(
            common.guarded(page_library.render),
            title="Library",
            url_path="library",
            icon=":material/table:",
        ),
        "rep": st.Page(
            common.guarded(page_rep.render),
            title="Rep",
            url_path="rep",
            icon=":material/directions_run:",
        ),
        "review": st.Page(
            common.guarded(page_review.render),
            title="Review",
            url_path="review",
            icon=":material/frame_inspect:",
        ),
        "compare": st.Page(
            common.guarded(page_compare.render),
            title="Compare",
            url_path="compare",
            icon=":material/compare:",
        ),
        "athlete": st.Page(
            common.guarded(page_athlete.render),
            title="Athlete",
            url_path="athlete",
            icon=":material/person:",
        ),
        "analyse": st.Page(
            common.guarded(page_analyse.render),
            title="Analyse",
            url_path="analyse",
            icon=":material/upload:",
        ),
    }
    common.register_pages(pages)
    page = st.navigation(list(pages.values()), position="hidden")
    with st.sidebar:
        for key in common.PAGE_KEYS:
            st.page_link(pages[key], label=pages[key].title, icon=pages[key].icon)
    page.run()
