"""Ground contacts timed from the image at the feet (a fixed camera sees a foot stop).

:func:`~sprintlab.footimage.scan.scan_frames` cuts a thin band of every frame along the ground
line (:mod:`~sprintlab.footimage.band`), separates the athlete from the ground and its shadow
and finds what stands still (:mod:`~sprintlab.footimage.evidence`), and times each contact from
that (:mod:`~sprintlab.footimage.detect`); :mod:`~sprintlab.footimage.result` holds what it
found. A hand-held camera's drift, turn and zoom are measured from the background
(:mod:`~sprintlab.footimage.stabilise`) and the band is then cut through each frame's motion,
so that the ground holds still in it. :mod:`sprintlab.events.fusion` puts those times on the
pose's contacts, which keep which leg it was and where the foot was placed.

The package imports nothing here, so that the analysis can read the records of
:mod:`~sprintlab.footimage.result` without the image processing of the pose stage.
"""
