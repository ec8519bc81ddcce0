"""A person's review of a library rep: corrections of its contacts, kept and applied.

The library keeps each correction (:class:`~sprintlab.events.edits.EventEdit`, who and when)
with the rep; the rep is then analysed again from its cached keypoints with all of them
(:func:`sprintlab.pipeline.reanalyze_rep`, no pose model) and its row updated. A batch re-run
of the clip applies the same corrections to the new analysis (:mod:`sprintlab.batch`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .events.edits import EventEdit
from .library import Library, LibraryError


def rep_folder(lib: Library, rep_pk: int) -> Path:
    """The folder of an analysed library rep (raises LibraryError when it has none)."""
    row = lib.conn.execute(
        "SELECT artefact_dir, status FROM reps WHERE rep_pk = ?", (int(rep_pk),)
    ).fetchone()
    if row is None or row[1] != "ok" or not row[0]:
        raise LibraryError(f"There is no analysed rep {rep_pk} in this library.")
    folder = lib.rep_dir(row[0])
    if not (folder / "keypoints.npz").is_file():
        raise LibraryError(
            f"The rep's folder {folder} has no keypoints.npz any more: analyse the clip again "
            "before correcting it."
        )
    return folder


def reanalyze_in_library(
    lib: Library, rep_pk: int, *, overlay: bool = False, field_lines: bool | None = None
) -> dict[str, Any]:
    """Analyse a library rep again from its keypoints with every correction the library keeps
    for it, and update its row and steps; returns the new rep.json. ``field_lines`` False
    rejects the field's lines that calibrated it, True takes them back (see
    :func:`sprintlab.pipeline.reanalyze_rep`)."""
    from .pipeline import reanalyze_rep
    from .results import load_rep_json

    folder = rep_folder(lib, rep_pk)
    edits = [e for _, e in lib.edits_for(rep_pk)]
    _, out = reanalyze_rep(folder, overlay=overlay, edits=edits, field_lines=field_lines)
    doc = load_rep_json(out)
    lib.update_analysis(rep_pk, doc)
    if field_lines is not None:
        # Kept with the row: a batch that analyses the clip again keeps the lines rejected.
        lib.set_field_lines_rejected(rep_pk, not field_lines)
    return doc


def correct(lib: Library, rep_pk: int, edit: EventEdit, *, overlay: bool = False) -> dict:
    """Keep one correction of a rep's contacts and analyse the rep again with it.

    The correction is only kept when the analysis with it succeeds.
    """
    rep_folder(lib, rep_pk)  # refuse before anything is written
    edit_id = lib.add_edit(rep_pk, edit)
    try:
        return reanalyze_in_library(lib, rep_pk, overlay=overlay)
    except Exception:
        lib.remove_edit(edit_id, rep_pk)
        raise


def withdraw(lib: Library, rep_pk: int, edit_id: int, *, overlay: bool = False) -> dict:
    """Withdraw one correction and analyse the rep again without it."""
    lib.remove_edit(edit_id, rep_pk)
    return reanalyze_in_library(lib, rep_pk, overlay=overlay)
