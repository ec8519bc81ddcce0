"""Every metric sprintlab shows, defined once: name, label, unit, header, decimals, definition.

The CLI tables, the dashboard, the team report, the athlete summary and the plausibility checks
read their labels, headers, decimals and definitions from :data:`METRICS` instead of keeping
their own lists. Definitions follow ``../shared/design/metrics.md``. Decimals are no finer than
the measurement: angles to whole degrees (the shin at touchdown is good to about ±17°), times to
milliseconds, distances to centimetres. How far each value is off, as measured, comes from
:mod:`sprintlab.measured_error` (:attr:`Metric.measured_limits`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .measured_error import MEASURED_LIMITS, REP_MEASURED_LIMITS, real_change

PLAUSIBLE_CONTACT_S = (0.06, 0.40)
"""Contact times of the first ten steps of a sprint start lie within this (s): about 0.2 s at
step 1 down to 0.09–0.10 s near top speed."""


@dataclass(frozen=True)
class Metric:
    """One metric.

    Attributes
    ----------
    name : str
        Column name, unit-suffixed (``contact_time_s``).
    label : str
        Human label without the unit (``Contact time``).
    unit : str
        Unit as shown (``s``, ``m``, ``°``, ``m/s``; ``""`` for words and counts).
    header : str
        Short table header with its unit (``contact s``).
    digits : int
        Decimals shown.
    definition : str
        What it is (metrics.md), for hover help and reports.
    plausible : (low, high), optional
        Values outside this range are flagged (:mod:`sprintlab.plausibility`).
    """

    name: str
    label: str
    unit: str
    header: str
    digits: int
    definition: str
    plausible: tuple[float, float] | None = None

    @property
    def measured_limits(self) -> tuple[float, float] | None:
        """95% limits of one rep's error (measured − true, its units), when measured."""
        return MEASURED_LIMITS.get(self.name) or REP_MEASURED_LIMITS.get(self.name)

    @property
    def real_change(self) -> float:
        """Smallest difference between two reps beyond measurement error (NaN: not measured)."""
        return real_change(self.name)

    def format(self, value: object, *, with_unit: bool = True) -> str:
        """The value at this metric's decimals (``"0.121 s"``), ``"–"`` when missing."""
        if isinstance(value, str):
            return value
        try:
            v = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return "–"
        if not math.isfinite(v):
            return "–"
        text = f"{v:.{self.digits}f}"
        return f"{text} {self.unit}" if with_unit and self.unit else text


METRICS_LIST: tuple[Metric, ...] = (
    Metric(
        "number",
        "Step",
        "",
        "#",
        0,
        "Step i is the i-th touchdown after first movement.",
    ),
    Metric(
        "foot",
        "Foot",
        "",
        "foot",
        0,
        "The foot that lands (the athlete's own left or right).",
    ),
    Metric(
        "touchdown_frame",
        "Touchdown frame",
        "",
        "TD frame",
        0,
        "First frame with the foot on the ground (frame number in the clip, from 0).",
    ),
    Metric(
        "toeoff_frame",
        "Last ground frame",
        "",
        "TO frame",
        0,
        "Last frame with the foot on the ground (frame number in the clip, from 0).",
    ),
    Metric(
        "touchdown_source",
        "Touchdown timed by",
        "",
        "TD by",
        0,
        (
            "How touchdown was timed: image (the foot seen standing on the ground), pose (the "
            "ankle keypoints alone) or both (they agree within 2 frames)."
        ),
    ),
    Metric(
        "toeoff_source",
        "Toe-off timed by",
        "",
        "TO by",
        0,
        "How toe-off was timed: image, pose or both (as for touchdown).",
    ),
    Metric(
        "shin_td_source",
        "Shin at TD from",
        "",
        "shin by",
        0,
        (
            "Which keypoints gave the shin angle at touchdown: landmarker (MediaPipe's pose "
            "landmarker, read on the frames around the touchdown) or pose (the tracking model's "
            "knee and ankle)."
        ),
    ),
    Metric(
        "touchdown_uncertainty_frames",
        "Touchdown ±",
        "frames",
        "TD ± fr",
        0,
        (
            "95% limits of the touchdown's error in frames, from the measured accuracy of how it "
            "was timed; wider when image and pose disagree."
        ),
    ),
    Metric(
        "toeoff_uncertainty_frames",
        "Toe-off ±",
        "frames",
        "TO ± fr",
        0,
        "95% limits of the toe-off's error in frames (as for touchdown).",
    ),
    Metric(
        "touchdown_s",
        "Touchdown",
        "s",
        "TD s",
        3,
        "First frame of ground contact, s from the first frame of the clip.",
    ),
    Metric(
        "toeoff_s",
        "Toe-off",
        "s",
        "TO s",
        3,
        "Last frame of ground contact, s from the first frame of the clip.",
    ),
    Metric(
        "contact_time_s",
        "Contact time",
        "s",
        "contact s",
        3,
        "TO(i) − TD(i): time the foot is on the ground.",
        plausible=PLAUSIBLE_CONTACT_S,
    ),
    Metric(
        "flight_time_s",
        "Flight time",
        "s",
        "flight s",
        3,
        "TD(i+1) − TO(i): time in the air before the next touchdown.",
    ),
    Metric(
        "step_length_m",
        "Step length",
        "m",
        "length m",
        2,
        (
            "x of the contact foot at TD(i) minus x of the previous contact of the other foot; "
            "step 1 is measured from the front (pushing) foot's position in the stance."
        ),
    ),
    Metric(
        "step_time_s",
        "Step time",
        "s",
        "step time s",
        3,
        "TD(i+1) − TD(i) (the last step in view uses TD(i) − TD(i−1)).",
    ),
    Metric(
        "step_frequency_hz",
        "Step frequency",
        "Hz",
        "freq Hz",
        1,  # one rep's step frequency is good to about ±0.4 Hz (95%)
        "1 / step time.",
    ),
    Metric(
        "step_velocity_mps",
        "Step velocity",
        "m/s",
        "vel m/s",
        2,
        "Step length × step frequency.",
    ),
    Metric(
        "shin_angle_td_deg",
        "Shin angle at TD",
        "°",
        "shin TD °",
        0,
        (
            "Shank (ankle → knee) of the landing leg from the forward horizontal at TD; < 90° "
            "means the knee is ahead of the ankle (a positive shin)."
        ),
    ),
    Metric(
        "shin_angle_to_deg",
        "Shin angle at TO",
        "°",
        "shin TO °",
        0,
        "Shank angle from the forward horizontal at toe-off.",
    ),
    Metric(
        "trunk_angle_td_deg",
        "Trunk angle at TD",
        "°",
        "trunk TD °",
        0,
        "Hip-mid → shoulder-mid from the forward horizontal at TD (90° = upright).",
    ),
    Metric(
        "touchdown_distance_m",
        "Touchdown distance",
        "m",
        "TD dist m",
        2,
        (
            "x of the ankle at TD minus x of the hip-mid at TD; negative = the foot lands behind "
            "the centre of mass."
        ),
    ),
    Metric(
        "toeoff_distance_m",
        "Toe-off distance",
        "m",
        "TO dist m",
        2,
        (
            "x of the ankle minus x of the hip-mid at toe-off (negative; more negative is linked "
            "to faster acceleration)."
        ),
    ),
    Metric(
        "knee_angle_td_deg",
        "Knee angle at TD",
        "°",
        "knee TD °",
        0,
        "Hip–knee–ankle angle at TD.",
    ),
    Metric(
        "hip_angle_td_deg",
        "Hip angle at TD",
        "°",
        "hip TD °",
        0,
        "Trunk–thigh angle at TD.",
    ),
    Metric(
        "foot_x_m",
        "Foot position",
        "m",
        "foot x m",
        2,
        "Ankle x at touchdown, m from the start line.",
    ),
    Metric(
        "hip_vx_mps",
        "Hip velocity",
        "m/s",
        "hip v m/s",
        2,
        "Horizontal velocity of the hip-mid (centre-of-mass proxy), low-pass filtered.",
    ),
    Metric(
        "first_movement_s",
        "First movement",
        "s",
        "first move s",
        2,
        (
            "The athlete leaves the set stance: the hip or shoulders first move forward and keep "
            "moving; s from the first frame of the clip."
        ),
    ),
    Metric(
        "split_5yd_s",
        "5-yard split",
        "s",
        "5 yd s",
        2,
        "First movement to the hip-mid crossing 5 yd (4.572 m).",
    ),
    Metric(
        "split_10yd_s",
        "10-yard split",
        "s",
        "10 yd s",
        2,
        "First movement to the hip-mid crossing 10 yd (9.144 m).",
    ),
    Metric(
        "split_20yd_s",
        "20-yard split",
        "s",
        "20 yd s",
        2,
        "First movement to the hip-mid crossing 20 yd (18.288 m).",
    ),
    Metric(
        "split_40yd_s",
        "40-yard split",
        "s",
        "40 yd s",
        2,
        "First movement to the hip-mid crossing 40 yd (36.576 m).",
    ),
    Metric(
        "peak_hip_velocity_mps",
        "Peak hip velocity",
        "m/s",
        "peak v m/s",
        2,
        "Highest hip-mid horizontal velocity in view.",
    ),
    Metric(
        "first_step_length_m",
        "First step length",
        "m",
        "step 1 m",
        2,
        "Step length of step 1.",
    ),
    Metric(
        "mean_contact_1_4_s",
        "Mean contact, steps 1–4",
        "s",
        "contact 1–4 s",
        3,
        "Mean contact time over steps 1–4 (needs at least three of them).",
    ),
    Metric(
        "shin_angle_td_1_deg",
        "Shin angle at TD, step 1",
        "°",
        "shin 1 °",
        0,
        "Shin angle at touchdown of step 1.",
    ),
    Metric(
        "v_max_mps",
        "v_max (velocity fit)",
        "m/s",
        "v max m/s",
        2,
        "v_max of the fit v(t) = v_max·(1 − e^(−t/τ)) to the hip position.",
    ),
    Metric(
        "tau_s",
        "τ (velocity fit)",
        "s",
        "τ s",
        2,
        "Acceleration time constant τ of the velocity fit (smaller = reaches speed sooner).",
    ),
    Metric(
        "f0_n_per_kg",
        "F0",
        "N/kg",
        "F0 N/kg",
        2,
        "Theoretical maximal horizontal force per kg (force–velocity profile).",
    ),
    Metric(
        "v0_mps",
        "V0",
        "m/s",
        "V0 m/s",
        2,
        "Theoretical maximal velocity of the force–velocity profile.",
    ),
    Metric(
        "pmax_w_per_kg",
        "Pmax",
        "W/kg",
        "Pmax W/kg",
        1,
        "Maximal horizontal power per kg, F0·V0/4.",
    ),
)

METRICS: dict[str, Metric] = {m.name: m for m in METRICS_LIST}
"""The registry, by column name."""


def metric(name: str) -> Metric | None:
    """The metric named ``name`` (None when the registry does not know it)."""
    return METRICS.get(name)


def digits_of(name: str, default: int = 2) -> int:
    """Decimals of a column: the registry's, else by its unit suffix (degrees 0, seconds 3)."""
    m = METRICS.get(name)
    if m is not None:
        return m.digits
    if name.endswith("_deg") or name.endswith("_frames"):
        return 0
    if "yd_s" in name:  # a split or a best split, e.g. best_10yd_s: to the hundredth
        return 2
    return 3 if name.endswith("_s") else default


def header_of(name: str) -> str:
    """Short table header with unit (``"contact s"``), or the name itself."""
    m = METRICS.get(name)
    return m.header if m is not None else name
