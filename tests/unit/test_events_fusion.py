"""Fusion of the image's contact times with the pose's contacts."""

from __future__ import annotations

import math

import numpy as np

from sprintlab.events import Contact, fuse_contacts
from sprintlab.events.fusion import UNCERTAINTY_FRAMES
from sprintlab.footimage.result import FootImageResult, ImageContact, unused

FPS = 240.0
T = np.arange(480) / FPS


def _contact(td_s, to_s, side="left"):
    return Contact(
        td_s=td_s,
        to_s=to_s,
        td_frame=math.ceil(td_s * FPS),
        to_frame=int(to_s * FPS),
        pivot_x_m=1.0,
        foot_x_m=1.0,
        radius_m=0.14,
        side=side,
        label=side,
        side_agreement=1.0,
        noise_m=0.005,
    )


def _ankles(x_px=500.0):
    a = np.full((T.size, 2), (x_px, 600.0))
    return {"left": a, "right": a + np.array([300.0, 0.0])}


def _image(*contacts):
    return FootImageResult(tuple(contacts), True, "", {"athlete_px": 180.0})


def _fuse(pose, image, fm=0.1, ankles=None):
    return fuse_contacts(pose, image, T, T, ankles or _ankles(), FPS, 180.0, fm)


def test_the_image_times_a_contact_it_saw_and_says_so():
    pose = [_contact(0.500, 0.700)]
    # the image: first frame on the ground 121, last 168 -> 120.5 / 168.5 frames
    img = _image(ImageContact(121, 168, 480.0, 520.0, 610.0, "match", 0.1))
    out, notes, unmatched = _fuse(pose, img)
    c = out[0]
    assert math.isclose(c.td_s, 120.5 / FPS) and math.isclose(c.to_s, 168.5 / FPS)
    assert (c.td_source, c.to_source) == ("both", "both")  # pose within 2 frames
    assert c.td_uncertainty_frames == UNCERTAINTY_FRAMES[("touchdown", "image")]
    assert c.td_frame == 121 and c.to_frame == 168
    assert notes == [] and unmatched == 0


def test_a_disagreement_widens_the_uncertainty_and_a_large_one_is_named():
    pose = [_contact(0.500, 0.700)]
    img = _image(ImageContact(110, 168, 480.0, 520.0, 610.0, "match", 0.1))  # 10.5 fr earlier
    out, notes, _ = _fuse(pose, img)
    c = out[0]
    assert c.td_source == "image"
    assert math.isclose(c.td_uncertainty_frames, 0.5 * FPS - 109.5)  # the disagreement
    assert len(notes) == 1 and "0.46" in notes[0] and "disagree" in notes[0]


def test_an_image_contact_elsewhere_is_not_this_contact():
    pose = [_contact(0.500, 0.700)]
    img = _image(ImageContact(121, 168, 900.0, 940.0, 610.0, "match", 0.1))  # another place
    out, _, unmatched = _fuse(pose, img)
    assert (out[0].td_source, out[0].to_source) == ("pose", "pose")
    assert out[0].td_s == 0.5
    assert unmatched == 1  # seen by the image only: counted, not invented


def test_a_contact_the_image_lost_early_keeps_the_pose_toe_off():
    pose = [_contact(0.500, 0.700)]
    img = _image(ImageContact(121, 128, 480.0, 520.0, 610.0, "match", 0.1))  # 8 of 48 frames
    out, notes, _ = _fuse(pose, img)
    c = out[0]
    assert c.td_source == "both" and c.to_source == "pose" and c.to_s == 0.7
    assert any("lost the standing foot" in n for n in notes)


def test_image_times_that_would_make_two_steps_collide_are_undone():
    # Two steps 0.25 s apart by the pose; the image's pieces next to them would retime the first
    # to 0.665 s and the second to 0.715 s: closer than any step. Both keep the pose's times.
    first, second = _contact(0.500, 0.700, "left"), _contact(0.750, 0.950, "right")
    img = _image(
        ImageContact(160, 170, 480.0, 520.0, 610.0, "match", 0.1),
        ImageContact(172, 200, 780.0, 820.0, 610.0, "match", 0.1),
    )
    out, notes, _ = _fuse([first, second], img)
    assert [(c.td_s, c.to_s) for c in out] == [(0.5, 0.7), (0.75, 0.95)]
    assert all(c.td_source == "pose" and c.to_source == "pose" for c in out)
    assert out[0].td_uncertainty_frames == UNCERTAINTY_FRAMES[("touchdown", "pose")]
    assert len(notes) == 1 and "closer together than any step" in notes[0]
    assert "0.50, 0.75" in notes[0]
    # The same image pieces on steps far enough apart are used.
    later = _contact(1.000, 1.200, "right")
    img = _image(
        ImageContact(160, 170, 480.0, 520.0, 610.0, "match", 0.1),
        ImageContact(241, 288, 780.0, 820.0, 610.0, "match", 0.1),
    )
    out, notes, _ = _fuse([first, later], img)
    assert out[0].td_source == "image" and math.isclose(out[0].td_s, 159.5 / FPS)
    assert not any("closer together" in n for n in notes)


def test_the_set_position_and_an_unused_image_stay_with_the_pose():
    stance = _contact(0.0, 0.3)
    run = _contact(0.500, 0.700)
    img = _image(ImageContact(0, 70, 480.0, 520.0, 610.0, "width", 0.1))
    out, _, _ = _fuse([stance, run], img, fm=0.35)
    assert out[0].td_source == "pose" and out[0].td_s == 0.0
    out, notes, _ = _fuse([run], unused("the camera moves"))
    assert out[0].td_source == "pose" and notes == []
    assert out[0].td_uncertainty_frames == UNCERTAINTY_FRAMES[("touchdown", "pose")]


def test_the_record_survives_json():
    img = _image(ImageContact(121, 168, 480.0, 520.0, 610.0, "match", 0.1))
    again = FootImageResult.from_dict(img.to_dict())
    assert again.contacts == img.contacts and again.used


def test_an_image_contact_becomes_a_candidate_with_the_nearest_ankles_side_and_place():
    from sprintlab.events import ImageContactDetector, image_candidates

    img = _image(
        ImageContact(121, 168, 780.0, 820.0, 610.0, "match", 0.1),  # under the right ankle
        ImageContact(300, 340, 1400.0, 1440.0, 610.0, "match", 0.1),  # under no ankle
    )
    ankles_px = _ankles(500.0)  # left at 500 px, right at 800 px
    ankles_m = {"left": np.full((T.size, 2), (1.0, 0.1)), "right": np.full((T.size, 2), (2.0, 0.1))}
    found = image_candidates(img, T, ankles_px, ankles_m, FPS, 1.8)
    assert len(found) == 1
    c = found[0]
    assert c.side == c.label == "right" and c.foot_x_m == 2.0
    assert (c.td_source, c.to_source) == ("image", "image")
    assert math.isclose(c.td_s, 120.5 / FPS)
    detector = ImageContactDetector(found)
    assert detector.candidates(None) == []  # never in the first look
    assert detector.candidates([(0.45, 0.6)]) == [c]
    assert detector.candidates([(0.6, 0.9)]) == []
    # fused again, it keeps the image's times and takes its image contact
    out, _, unmatched = _fuse([c], img)
    assert out == [c] and unmatched == 1  # the other image contact, under no ankle


def test_an_image_contact_of_seconds_is_not_a_running_contact():
    """Something standing still under the stance ankle for longer than any running contact
    (the blocks, a foot still in the set position) must not retime the first running contact,
    even where first movement is placed too early: its touchdown would move seconds back."""
    run = _contact(1.500, 1.700)
    blocks = ImageContact(30, 420, 480.0, 520.0, 610.0, "match", 2.0)
    out, _, _ = _fuse([run], _image(blocks), fm=0.1)
    assert (out[0].td_s, out[0].td_source) == (1.5, "pose")
    step = ImageContact(361, 408, 480.0, 520.0, 610.0, "match", 0.2)
    out, _, _ = _fuse([run], _image(blocks, step), fm=0.1)
    assert (out[0].td_frame, out[0].td_source) == (361, "both")


def test_event_uncertainty_holds_as_a_time_above_the_real_footage_floor():
    from sprintlab.events.fusion import FLOOR_FRAMES, uncertainty_frames

    # At the rate it was measured, the harness's figures.
    assert (
        uncertainty_frames("touchdown", "pose", 240.0) == UNCERTAINTY_FRAMES[("touchdown", "pose")]
    )
    assert uncertainty_frames("toeoff", "image", 240.0) == UNCERTAINTY_FRAMES[("toeoff", "image")]
    # ±14 frames at 240 fps are ±58 ms: 3.5 frames at 60 fps, not 14 (233 ms).
    assert uncertainty_frames("touchdown", "pose", 60.0) == 3.5
    # At 30 fps the floor the real phone starts showed.
    assert uncertainty_frames("touchdown", "pose", 30.0) == FLOOR_FRAMES["touchdown"] == 3.0
    assert uncertainty_frames("toeoff", "image", 30.0) == FLOOR_FRAMES["toeoff"] == 5.0


def test_a_stance_ankle_swapped_for_a_few_frames_still_finds_its_sole():
    # The pose model swaps the legs for a few frames as the swing foot passes the standing one:
    # in the contact's middle frame the labelled ankle is far ahead of the sole the image saw
    # (athlete 180 px: the place test allows 45 px beside the sole). Over the contact it stands
    # on the sole, and the image's times are taken.
    ankles = _ankles(500.0)
    swapped = ankles["left"].copy()
    swapped[140:150, 0] = 600.0  # frames 140-149 of the contact 120-168
    pose = [_contact(0.500, 0.700)]
    img = _image(ImageContact(121, 168, 480.0, 520.0, 610.0, "match", 0.1))
    out, _, unmatched = _fuse(pose, img, ankles={"left": swapped, "right": ankles["right"]})
    assert out[0].td_source in ("image", "both") and unmatched == 0
    assert math.isclose(out[0].td_s, 120.5 / FPS)
