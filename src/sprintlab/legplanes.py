"""Each leg in its own plane: the near leg in front of the athlete plane, the far leg behind it.

The calibration maps pixels onto the athlete plane, the vertical plane through the lane's centre
line. The legs are not in it: each hip, knee and ankle moves about half a hip width to its own
side (the hip joint centres are about a tenth of the stature apart, and in acceleration the feet
land about as wide). Seen from the side, the near leg is then magnified and the far leg shrunk
about the camera's foot point, by ``offset / distance`` (0.8% at 9 cm and 11 m). Feet land
alternately near and far, so a step length picks up the sum of two such errors with alternating
sign: about ±10 cm for the first steps when the camera stands at the 8-metre mark. With a
fitted pinhole camera (markers on two lines across the lane) the distance is known and each leg
is moved into its own plane; without one nothing changes.

Which leg is near follows from the run direction in the image: an athlete running left to right
shows the camera their right side (a mirrored, "selfie" video would flip that).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .calibration import Calibration
from .events import Contact
from .skeleton import ANKLE, HIP, KNEE, SIDES
from .track import KeypointTrack

# Half the distance between the hip joint centres, as a fraction of stature (about 0.1 × stature
# between the two joint centres in adult anthropometry).
LEG_PLANE_OFFSET_TO_STATURE = 0.05


def near_side(calib: Calibration) -> str:
    """The athlete's side facing the camera: "right" when running left to right in the image."""
    return "right" if calib.run_direction == "left_to_right" else "left"


def leg_plane_offsets_m(
    calib: Calibration, stature_m: float, offset_to_stature: float = LEG_PLANE_OFFSET_TO_STATURE
) -> dict[str, float]:
    """Offset of each leg's plane from the athlete plane, metres (+ towards the camera).

    Zero for both legs when the calibration has no camera, the stature is unknown or the
    fraction is 0.
    """
    offset = float(offset_to_stature) * float(stature_m)
    if calib.camera_m is None or not np.isfinite(offset) or offset <= 0:
        return dict.fromkeys(SIDES, 0.0)
    near = near_side(calib)
    return {side: offset if side == near else -offset for side in SIDES}


def to_leg_planes(
    track: KeypointTrack, calib: Calibration, offsets_m: dict[str, float]
) -> KeypointTrack:
    """The world track with each side's hip, knee and ankle moved into that leg's plane.

    The track's legs must already be identified (left is the athlete's left). Head, shoulders,
    arms and the hip midpoint's definition are left alone (the mid-hip of the two corrected hips
    stays on the athlete plane to first order).
    """
    xy = np.array(track.xy, dtype=float)
    for side in SIDES:
        offset = offsets_m.get(side, 0.0)
        if offset == 0:
            continue
        for joint in (HIP[side], KNEE[side], ANKLE[side]):
            xy[:, joint] = calib.to_offset_plane(xy[:, joint], offset)
    return track.with_xy(xy)


def place_contacts(
    contacts: list[Contact], calib: Calibration, offsets_m: dict[str, float]
) -> list[Contact]:
    """Contacts with the foot's place (``foot_x_m``, ``pivot_x_m``) moved into its leg's plane."""
    out = []
    for c in contacts:
        offset = offsets_m.get(c.side, 0.0)
        if offset == 0:
            out.append(c)
            continue
        pts = calib.to_offset_plane(np.array([[c.foot_x_m, 0.0], [c.pivot_x_m, 0.0]]), offset)
        out.append(replace(c, foot_x_m=float(pts[0, 0]), pivot_x_m=float(pts[1, 0])))
    return out
