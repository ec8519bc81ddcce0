"""The still background of a clip: the field without the athlete, from a few kept frames.

The search pass decodes every few frames of the clip anyway; a handful of them spread over the
clip are kept (uint8, a few tens of MB for 1080p). Their per-pixel median, leaving out each
frame's people (their boxes, widened), is the field as it lies: the athlete crouched at the
start for a long time is covered by the frames where they have gone.
"""

from __future__ import annotations

import numpy as np

#: Frames kept for the background.
N_BACKGROUND_FRAMES = 9


class BackgroundSampler:
    """Keeps up to ``n`` frames spread evenly over a pass of ``n_expected`` frames.

    Call :meth:`offer` with every frame of the pass, in order; :attr:`frames` holds the kept
    ``(index, image)`` pairs.
    """

    def __init__(self, n_expected: int, n: int = N_BACKGROUND_FRAMES) -> None:
        self.n_expected = max(1, int(n_expected))
        wanted = np.linspace(0, self.n_expected - 1, min(n, self.n_expected))
        self._wanted = set(np.round(wanted).astype(int).tolist())
        self._seen = 0
        self.frames: list[tuple[int, np.ndarray]] = []

    def offer(self, index: int, image: np.ndarray) -> None:
        if self._seen in self._wanted:
            self.frames.append((int(index), image))
        self._seen += 1


def still_background(
    frames: list[tuple[int, np.ndarray]],
    people_xyxy_px: dict[int, np.ndarray],
    *,
    widen: float = 0.25,
    chunk_rows: int = 64,
    seen: dict[int, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Median of ``frames`` leaving out the people in them.

    Parameters
    ----------
    frames : list of (index, image)
        BGR uint8 frames of one size.
    people_xyxy_px : dict
        Frame index -> (N, 4) boxes of the people in it (NaN rows ignored), each widened by
        ``widen`` of its height on every side before it is left out.
    seen : dict, optional
        Frame index -> bool (H, W): where that frame shows the scene (a frame moved into a
        reference frame's picture leaves its edges empty); elsewhere it is left out too.

    Returns
    -------
    background : ndarray (H, W, 3) uint8
        The median over the frames where each pixel is free (the plain median where no frame
        is free).
    free_count : ndarray (H, W) int
        How many frames saw each pixel free.
    """
    if not frames:
        raise ValueError("no frames to make a background from")
    h, w = frames[0][1].shape[:2]
    free = np.ones((len(frames), h, w), bool)
    for i, (index, _) in enumerate(frames):
        if seen is not None and index in seen:
            free[i] &= seen[index]
        for box in np.asarray(people_xyxy_px.get(index, np.zeros((0, 4))), float).reshape(-1, 4):
            if not np.all(np.isfinite(box)):
                continue
            pad = widen * (box[3] - box[1])
            x1, y1 = int(max(0, box[0] - pad)), int(max(0, box[1] - pad))
            x2, y2 = int(min(w, box[2] + pad + 1)), int(min(h, box[3] + pad + 1))
            free[i, y1:y2, x1:x2] = False
    count = free.sum(axis=0)
    out = np.empty((h, w, 3), np.uint8)
    stack = np.stack([f for _, f in frames])
    for r0 in range(0, h, chunk_rows):
        r1 = min(h, r0 + chunk_rows)
        block = stack[:, r0:r1].astype(np.float32)
        mask = free[:, r0:r1, :, None]
        none_free = count[r0:r1] == 0
        block = np.where(mask | none_free[None, :, :, None], block, np.nan)
        out[r0:r1] = np.clip(np.nanmedian(block, axis=0) + 0.5, 0, 255).astype(np.uint8)
    return out, count
