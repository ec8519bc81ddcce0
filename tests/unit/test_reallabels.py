"""Scoring steps against contacts marked by hand on real footage."""

from __future__ import annotations

import pytest

from sprintlab.reallabels import LabelledContact, load_contact_labels, pooled, score_clip


def test_labels_are_read_per_clip_in_time_order_without_the_block_exit(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text(
        "clip,contact,foot_hint,touchdown_frame,toeoff_frame,confidence,note\n"
        "a1,0,block_exit,162,,sure,\n"
        "a1,2,far,176,181,sure,\n"
        "a1,1,near,169,174,sure,\n"
        "b2,1,?,40,,unsure,the clip ends\n"
    )
    labels = load_contact_labels(path)
    assert labels == {
        "a1": [LabelledContact(169, 174), LabelledContact(176, 181)],
        "b2": [LabelledContact(40, None)],
    }


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("clip,contact,touchdown_frame\na1,1,5\n", "toeoff_frame"),
        ("clip,contact,touchdown_frame,toeoff_frame\na1,1,five,9\n", "line 2"),
        ("clip,contact,touchdown_frame,toeoff_frame\na1,1,9,5\n", "no earlier"),
    ],
)
def test_a_bad_labels_file_gets_one_sentence(tmp_path, text, words):
    path = tmp_path / "contacts.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=words):
        load_contact_labels(path)


def test_each_step_answers_one_label_the_nearest_first():
    labels = [LabelledContact(100, 105), LabelledContact(108, 113), LabelledContact(130, 135)]
    # 102 and 107 answer the first and the second label, one each; 120 answers none (false);
    # the third label is missed; a toe-off of -1 was not measured.
    steps = [(102, 106), (107, -1), (120, 124)]
    sc = score_clip("x", steps, labels, tolerance_frames=3)
    assert (sc.n_labelled, sc.n_found, sc.n_false) == (3, 2, 1)
    assert sorted(sc.td_errors_frames) == [-1.0, 2.0]
    assert sc.to_errors_frames == (1.0,)
    table = pooled([sc])
    assert table["touchdown_frame"].n == 2 and table["touchdown_frame"].n_missing == 1
    assert table["touchdown_frame"].within_1_frame == 0.5
