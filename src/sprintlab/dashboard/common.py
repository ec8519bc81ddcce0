"""Shared Streamlit pieces of the dashboard pages: library access, navigation, downloads."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pandas as pd
import streamlit as st

from ..errors import SprintlabError
from ..library import Library, resolve_library_path
from ..metric_registry import digits_of
from ..viz.figures import FIELD_HELP
from . import data

PAGE_KEYS = ("library", "rep", "review", "compare", "athlete", "analyse")
_PAGES: dict[str, Any] = {}

PLOTLY_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    # The modebar's camera saves the chart as PNG in the browser (no server-side renderer).
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


def register_pages(pages: dict[str, Any]) -> None:
    """Remember the ``st.Page`` objects so pages can link to each other."""
    _PAGES.clear()
    _PAGES.update(pages)


def go_to(page: str, **params: str) -> None:
    """Switch to ``page`` (one of :data:`PAGE_KEYS`) with query parameters."""
    if page in _PAGES:
        st.switch_page(_PAGES[page], query_params=params)
    # Without navigation (a page run on its own in a test) the parameters still apply.
    st.query_params.clear()
    st.query_params.update(params)
    st.rerun()


def library_location() -> tuple[Path, Path]:
    """(database file, library folder) the dashboard reads: ``$SPRINTLAB_LIBRARY`` or default."""
    return resolve_library_path(os.environ.get("SPRINTLAB_LIBRARY") or None)


@contextlib.contextmanager
def library_or_message() -> Iterator[Library | None]:
    """The library opened for reading, or None after showing why it cannot be opened."""
    db_path, _ = library_location()
    try:
        lib = data.open_library(db_path)
    except SprintlabError as err:
        st.info(
            f"{err}\n\nAnalyse a clip on the **Analyse** page, or start the dashboard with "
            "SPRINTLAB_LIBRARY set to your library folder."
        )
        yield None
        return
    try:
        yield lib
    finally:
        lib.close()


def plot(fig: Any, key: str) -> None:
    """A plotly chart with the PNG download in its modebar."""
    st.plotly_chart(fig, width="stretch", config=PLOTLY_CONFIG, key=key)


def csv_download(df: pd.DataFrame, filename: str, label: str, key: str) -> None:
    """A button that downloads ``df`` as CSV (column names keep their unit suffixes)."""
    st.download_button(
        label,
        df.to_csv(index=False).encode("utf-8"),
        file_name=filename,
        mime="text/csv",
        key=key,
        icon=":material/download:",
    )


def png_download(image_bgr: np.ndarray, filename: str, label: str, key: str) -> None:
    ok, buf = cv2.imencode(".png", image_bgr)
    if ok:
        st.download_button(
            label,
            buf.tobytes(),
            file_name=filename,
            mime="image/png",
            key=key,
            icon=":material/download:",
        )


def table_config(columns: list[str]) -> dict[str, Any]:
    """Column headers with units and hover definitions for ``st.dataframe``."""
    cfg: dict[str, Any] = {}
    for c in columns:
        label = data.column_label(c)
        help_text = FIELD_HELP.get(c) or None
        if c in (
            "foot",
            "athlete",
            "position",
            "session",
            "date",
            "status",
            "error",
            "calibration_confidence",
            "touchdown_source",
            "toeoff_source",
            "shin_td_source",
            "coach_note",
        ):
            cfg[c] = st.column_config.TextColumn(label, help=help_text)
        elif c in ("flagged", "exclude_from_bests"):
            cfg[c] = st.column_config.CheckboxColumn(label, help=help_text)
        elif c.endswith("_uncertainty_frames"):
            cfg[c] = st.column_config.NumberColumn(label, help=help_text, format="%.0f")
        elif c in ("number", "rep_pk", "rep_number", "n_steps", "n_warnings", "n_reps"):
            cfg[c] = st.column_config.NumberColumn(label, help=help_text, format="%d")
        else:
            digits = column_digits(c)
            cfg[c] = st.column_config.NumberColumn(label, help=help_text, format=f"%.{digits}f")
    return cfg


def column_digits(column: str) -> int:
    """Decimals a number column is shown with: the metric registry's (no finer than measured)."""
    return digits_of(column)


FLAG_STYLE = "background-color: rgba(214, 39, 40, 0.25);"


def flag_cells(table: pd.DataFrame, cells: dict[tuple[int, str], str]) -> Any:
    """``table`` (a steps table with ``number``) styled with the ``cells`` (step, metric) in
    red, formatted as :func:`table_config` would (a styled table takes its own formats)."""

    def style(col: pd.Series) -> list[str]:
        return [
            FLAG_STYLE if (int(n), str(col.name)) in cells else ""
            for n in table["number"].fillna(-1)
        ]

    formats = {
        c: f"{{:.{column_digits(c)}f}}"
        for c in table.columns
        if c != "number" and pd.api.types.is_numeric_dtype(table[c])
    }
    return table.style.apply(style, axis=0).format(formats, na_rep="–")


def rep_options(lib: Library) -> dict[int, str]:
    """Analysed reps as {rep id: label}, newest session first."""
    reps = lib.reps_frame(status="ok")
    reps = reps.sort_values(["date", "athlete", "rep_number"], ascending=[False, True, True])
    out = {}
    for r in reps.itertuples(index=False):
        rep = f"rep {int(r.rep_number)}" if pd.notna(r.rep_number) else f"#{r.rep_pk}"
        out[int(r.rep_pk)] = f"{r.athlete} · {r.date} · {r.session} · {rep}"
    return out


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


@st.cache_data(show_spinner=False, max_entries=64)
def _kinogram_cached(rep_dir: str, doc_mtime_ns: int, doc: dict[str, Any]) -> np.ndarray:
    from ..viz.kinogram import kinogram_image

    return kinogram_image(Path(rep_dir), doc)


def kinogram_of(rep: data.RepView) -> np.ndarray:
    """The rep's kinogram (BGR), cached per rep folder and rep.json version."""
    return _kinogram_cached(str(rep.rep_dir), _mtime(rep.rep_dir / "rep.json"), rep.doc)


def show_image_bgr(image: np.ndarray, caption: str | None = None) -> None:
    """A BGR image at its own size (narrowed to the page when wider, never blown up)."""
    st.image(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), caption=caption, width="content")


def guarded(render: Callable[[], None]) -> Callable[[], None]:
    """Run a page, showing a sprintlab error as one message instead of a traceback."""

    def run() -> None:
        try:
            render()
        except SprintlabError as err:
            st.error(str(err))

    # st.Page tells callables apart by name: name each after its page module.
    run.__name__ = render.__module__.rsplit(".", 1)[-1]
    return run
