"""Tests for sprintlab.video (probe, iter_frames, read_frame) and the H.264 writer.

Clips are made in tmp_path: a grey background with a white 10x10 square whose left edge is at
x = frame number, so every frame differs and its content identifies its index.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from sprintlab.errors import VideoError
from sprintlab.video import (
    CaptureFpsError,
    VideoFrame,
    VideoMeta,
    iter_frames,
    probe,
    read_frame,
)
from sprintlab.viz.video_writer import H264Writer

SAMPLE_CLIP = Path(__file__).resolve().parents[2] / "sample_clips" / "sports2d_demo.mp4"
W, H = 64, 48
BACKGROUND = 40


def square_image(i: int, w: int = W, h: int = H, *, noise: bool = False) -> np.ndarray:
    """Frame i: grey (or noisy) background, white square at rows 10..19, columns x..x+9."""
    if noise:
        img = np.random.default_rng(i).integers(0, 256, (h, w, 3), dtype=np.uint8)
    else:
        img = np.full((h, w, 3), BACKGROUND, np.uint8)
    x = i % (w - 10)
    img[10:20, x : x + 10] = 255
    return img


def make_clip(
    path: Path,
    *,
    n: int = 30,
    fps: float = 240.0,
    repeat: int = 1,
    w: int = W,
    h: int = H,
    noise: bool = False,
    faststart: bool = True,
    frames: list[np.ndarray] | None = None,
) -> Path:
    images = (
        frames if frames is not None else [square_image(i, w, h, noise=noise) for i in range(n)]
    )
    with H264Writer(path, fps, w, h, faststart=faststart) as writer:
        for img in images:
            for _ in range(repeat):
                writer.write(img)
    return path


@pytest.fixture(scope="module")
def clip240(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("v") / "clip240.mp4")


@pytest.fixture(scope="module")
def meta240(clip240: Path) -> VideoMeta:
    return probe(clip240)


# ------------------------------------------------------------------------------------- probe


def test_probe_reads_size_rate_frames_and_timestamps(meta240: VideoMeta, clip240: Path) -> None:
    m = meta240
    assert m.path == str(clip240)
    assert (m.width_px, m.height_px) == (64, 48)
    assert m.n_frames == 30
    assert m.container_fps == 240.0
    assert m.capture_fps == 240.0
    assert m.time_scale == 1.0
    assert m.rotation_deg == 0
    assert m.codec == "h264"
    np.testing.assert_allclose(m.timestamps_s, np.arange(30) / 240.0, rtol=0, atol=1e-12)
    assert m.duration_s == pytest.approx(30 / 240.0, abs=1e-12)
    assert m.warnings == ()
    assert not m.timestamps_s.flags.writeable


def test_capture_fps_rescales_timestamps(tmp_path: Path) -> None:
    # A 240 fps capture stored at 30 fps: frame 8 plays at 8/30 s but happened at 8/240 s.
    path = make_clip(tmp_path / "slowmo.mp4", fps=30.0)
    m = probe(path, capture_fps=240.0)
    assert m.container_fps == 30.0
    assert m.capture_fps == 240.0
    assert m.time_scale == pytest.approx(0.125)
    assert m.timestamps_s[8] == pytest.approx(8 / 240.0, abs=1e-12)
    np.testing.assert_allclose(m.timestamps_s, np.arange(30) / 240.0, rtol=0, atol=1e-12)
    assert m.duration_s == pytest.approx(30 / 240.0, abs=1e-12)
    assert not any("--capture-fps" in w for w in m.warnings)  # the user stated the rate

    plain = probe(path)
    assert plain.timestamps_s[8] == pytest.approx(8 / 30.0, abs=1e-12)
    assert any("plays at 30 fps" in w and "--capture-fps" in w for w in plain.warnings)


@pytest.mark.parametrize(("fps", "warned"), [(30.0, True), (60.0, True), (120.0, False)])
def test_low_container_fps_is_warned(tmp_path: Path, fps: float, warned: bool) -> None:
    m = probe(make_clip(tmp_path / "c.mp4", n=12, fps=fps))
    assert m.container_fps == fps
    assert any("--capture-fps" in w for w in m.warnings) is warned


def test_capture_fps_below_container_fps_is_an_error(tmp_path: Path) -> None:
    path = make_clip(tmp_path / "c.mp4", n=12, fps=120.0)
    with pytest.raises(CaptureFpsError, match="must be at least") as info:
        probe(path, capture_fps=60.0)
    assert isinstance(info.value, VideoError)
    assert isinstance(info.value, ValueError)
    for bad in (0.0, -240.0, float("nan"), float("inf")):
        with pytest.raises(CaptureFpsError):
            probe(path, capture_fps=bad)


def test_duplicated_frames_are_warned(tmp_path: Path) -> None:
    # 12 distinct frames each written 8 times at 240 fps: a 30 fps capture up-sampled.
    path = make_clip(tmp_path / "dup.mp4", n=12, repeat=8)
    m = probe(path)
    assert m.n_frames == 96
    dup = [w for w in m.warnings if "repeat" in w]
    assert len(dup) == 1
    assert "about 30 fps" in dup[0]
    assert probe(path, check_duplicates=False).warnings == ()


def test_duplicate_check_on_a_longer_clip_uses_windows(tmp_path: Path) -> None:
    # 240 frames > two windows: the sampled windows are in the middle of the clip.
    path = make_clip(tmp_path / "dup4.mp4", n=60, repeat=4)
    m = probe(path)
    dup = [w for w in m.warnings if "repeat" in w]
    assert len(dup) == 1 and "about 60 fps" in dup[0]


def test_distinct_frames_and_a_scene_that_stops_are_not_duplicates(
    tmp_path: Path, meta240: VideoMeta
) -> None:
    assert not any("repeat" in w for w in meta240.warnings)
    # The square moves for 15 frames then stays still (the athlete has left or stopped): the
    # still part is a still scene, not repeated frames.
    frames = [square_image(min(i, 14)) for i in range(30)]
    m = probe(make_clip(tmp_path / "stop.mp4", frames=frames))
    assert m.warnings == ()


def test_variable_frame_rate_is_warned_and_timestamps_follow_the_file(tmp_path: Path) -> None:
    path = tmp_path / "vfr.mp4"
    tb = Fraction(1, 2400)
    steps = np.random.default_rng(1).choice([7, 10, 13], size=59)
    pts = np.concatenate([[0], np.cumsum(steps)])
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=240)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.codec_context.time_base = tb
        for i, p in enumerate(pts):
            frame = av.VideoFrame.from_ndarray(square_image(i), format="bgr24")
            frame.pts, frame.time_base = int(p), tb
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    m = probe(path)
    assert m.n_frames == 60
    np.testing.assert_allclose(m.timestamps_s, pts / 2400.0, rtol=0, atol=1e-9)
    assert any("irregular frame timestamps" in w for w in m.warnings)


def test_display_rotation_is_applied(tmp_path: Path) -> None:
    path = tmp_path / "rot.mp4"
    img = np.full((H, W, 3), BACKGROUND, np.uint8)
    img[0:10, 0:20] = 255  # marks the top-left corner
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=240)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.set_display_rotation(90)  # counter-clockwise, i.e. 270 clockwise
        for _ in range(5):
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    m = probe(path)
    assert m.rotation_deg == 270
    assert (m.width_px, m.height_px) == (H, W)
    shown = read_frame(m, 2)
    expected = np.rot90(img, 1)  # counter-clockwise quarter turn
    assert shown.shape == expected.shape == (W, H, 3)
    # Colour conversion and compression leave a few grey levels; the other quarter turn is far off.
    assert np.abs(shown.astype(int) - expected.astype(int)).mean() < 6.0
    assert np.abs(shown.astype(int) - np.rot90(img, -1).astype(int)).mean() > 20.0
    frames = list(iter_frames(m, max_width_px=24))
    assert [f.image.shape for f in frames] == [(32, 24, 3)] * 5
    assert frames[0].scale == pytest.approx(0.5)


# ------------------------------------------------------------------------------------ errors


def test_missing_empty_folder_and_not_a_video_raise(tmp_path: Path) -> None:
    with pytest.raises(VideoError, match="does not exist"):
        probe(tmp_path / "nope.mp4")
    with pytest.raises(VideoError, match="folder"):
        probe(tmp_path)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(VideoError, match="empty"):
        probe(empty)
    text = tmp_path / "notes.mp4"
    text.write_text("split times: 1.02 1.85 2.61\nthis is not a video\n")
    with pytest.raises(VideoError, match="not a video"):
        probe(text)


def test_file_cut_in_half_without_index_raises(tmp_path: Path) -> None:
    # Index (moov) at the end, as most cameras write it: half the file has no index.
    data = make_clip(tmp_path / "full.mp4", faststart=False).read_bytes()
    cut = tmp_path / "half.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(VideoError):
        probe(cut)


def test_first_2kb_of_a_clip_raises(tmp_path: Path) -> None:
    # Noisy frames make the first keyframe larger than 2 KB, so no frame is complete.
    data = make_clip(tmp_path / "full.mp4", noise=True).read_bytes()
    assert len(data) > 8 * 2048
    cut = tmp_path / "2k.mp4"
    cut.write_bytes(data[:2048])
    with pytest.raises(VideoError, match="damaged"):
        probe(cut)


def test_partly_truncated_clip_warns_and_reads_what_is_there(tmp_path: Path) -> None:
    data = make_clip(tmp_path / "full.mp4", noise=True).read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.8)])
    m = probe(cut)
    assert 10 <= m.n_frames < 30
    assert any("incomplete" in w and f"only {m.n_frames} of 30" in w for w in m.warnings)
    frames = list(iter_frames(m))
    assert [f.index for f in frames] == list(range(m.n_frames))


# ------------------------------------------------------------------------------------ frames


def test_iter_frames_yields_every_frame_with_index_time_and_content(meta240: VideoMeta) -> None:
    frames = list(iter_frames(meta240))
    assert [f.index for f in frames] == list(range(30))
    assert all(isinstance(f, VideoFrame) for f in frames)
    np.testing.assert_allclose([f.t_s for f in frames], np.arange(30) / 240.0, atol=1e-12)
    for f in frames:
        assert f.image.shape == (48, 64, 3) and f.image.dtype == np.uint8
        assert f.scale == 1.0
        # The square of frame i covers columns i..i+9: inside white, left of it background.
        assert f.image[15, f.index + 5].min() > 200
        if f.index >= 3:
            assert abs(int(f.image[15, f.index - 3].mean()) - BACKGROUND) < 12


def test_iter_frames_start_stop_step_and_downscale(meta240: VideoMeta) -> None:
    frames = list(iter_frames(meta240, start_frame=2, stop_frame=20, step=3, max_width_px=32))
    assert [f.index for f in frames] == [2, 5, 8, 11, 14, 17]
    np.testing.assert_allclose([f.t_s for f in frames], np.array([2, 5, 8, 11, 14, 17]) / 240.0)
    assert all(f.image.shape == (24, 32, 3) for f in frames)
    assert all(f.scale == 0.5 for f in frames)
    # Square of frame 11 is at columns 11..20 full size, 5.5..10 at half size.
    assert frames[3].image[7, 8].min() > 200
    # Seeking into the middle and a stop past the end.
    assert [f.index for f in iter_frames(meta240, start_frame=25, stop_frame=99)] == list(
        range(25, 30)
    )
    assert list(iter_frames(meta240, start_frame=30)) == []
    with pytest.raises(ValueError):
        list(iter_frames(meta240, step=0))


def test_seeking_with_short_gops_and_b_frames_finds_the_right_frame(tmp_path: Path) -> None:
    # Keyframes every 10 frames and B-frames (decode order != presentation order): every
    # seek must land on the asked frame, recognisable by the square's position.
    path = tmp_path / "gop.mp4"
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=240)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.codec_context.gop_size = 10
        stream.options = {"bf": "3", "sc_threshold": "0"}
        for i in range(50):
            for packet in stream.encode(av.VideoFrame.from_ndarray(square_image(i), "bgr24")):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    m = probe(path)
    assert m.n_frames == 50
    for index in (0, 9, 10, 11, 27, 40, 49):
        image = read_frame(m, index)
        x = index % (W - 10)
        assert image[15, x + 5].min() > 200, index
        assert image[15, x + 11].max() < 80, index
    assert [f.index for f in iter_frames(m, start_frame=33, step=4)] == [33, 37, 41, 45, 49]


def test_read_frame_matches_iter_frames(meta240: VideoMeta) -> None:
    by_index = {f.index: f.image for f in iter_frames(meta240)}
    for index in (0, 13, 29):
        assert np.array_equal(read_frame(meta240, index), by_index[index])
    with pytest.raises(IndexError):
        read_frame(meta240, 30)


# ------------------------------------------------------------------------------------ writer


def test_writer_output_is_browser_playable_h264(tmp_path: Path) -> None:
    path = make_clip(tmp_path / "odd.mp4", n=20, fps=30000 / 1001, w=63, h=47)
    m = probe(path)
    assert m.codec == "h264"
    assert (m.width_px, m.height_px) == (64, 48)  # padded to even for yuv420p
    assert m.n_frames == 20  # round trip: every written frame comes back
    assert m.container_fps == pytest.approx(30000 / 1001, rel=1e-9)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert stream.codec_context.name == "h264"
    data = path.read_bytes()
    assert 0 < data.find(b"moov") < data.find(b"mdat")  # +faststart: index first
    # The padding is black and the picture is where it was written.
    image = read_frame(m, 0)
    assert image[:, 63].max() < 40 and image[47, :].max() < 40
    assert image[15, 5].min() > 200


def test_writer_round_trip_frame_count_and_checks(tmp_path: Path) -> None:
    path = tmp_path / "w.mp4"
    writer = H264Writer(path, 120.0, W, H)
    for i in range(17):
        writer.write(square_image(i))
    writer.write(np.full((H, W), 128, np.uint8))  # grey images are accepted
    with pytest.raises(ValueError, match="shape"):
        writer.write(np.zeros((H + 2, W, 3), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        writer.write(np.zeros((H, W, 3), np.float32))
    writer.close()
    writer.close()  # idempotent
    with pytest.raises(ValueError, match="closed"):
        writer.write(square_image(0))
    assert writer.frames_written == 18
    m = probe(path)
    assert m.n_frames == 18
    assert len(list(iter_frames(m))) == 18
    assert m.container_fps == 120.0
    with pytest.raises(ValueError):
        H264Writer(tmp_path / "x.mp4", 0.0, W, H)


# ------------------------------------------------------------------------------- VideoMeta


def test_videometa_validates() -> None:
    good = dict(
        path="x.mp4",
        width_px=64,
        height_px=48,
        n_frames=3,
        container_fps=30.0,
        capture_fps=240.0,
        rotation_deg=0,
        duration_s=3 / 240,
        codec="h264",
        timestamps_s=np.arange(3) / 240,
    )
    assert VideoMeta(**good).time_scale == pytest.approx(0.125)
    with pytest.raises(ValueError, match="timestamps_s"):
        VideoMeta(**{**good, "timestamps_s": np.array([0.1, 0.2, 0.3])})
    with pytest.raises(ValueError, match="timestamps_s"):
        VideoMeta(**{**good, "timestamps_s": np.arange(4) / 240})
    with pytest.raises(CaptureFpsError):
        VideoMeta(**{**good, "capture_fps": 25.0})
    with pytest.raises(ValueError, match="rotation_deg"):
        VideoMeta(**{**good, "rotation_deg": 45})


# -------------------------------------------------------------------------------- real clip


def test_real_30fps_clip() -> None:
    m = probe(SAMPLE_CLIP)
    assert (m.width_px, m.height_px) == (1768, 994)
    assert m.n_frames == 230
    assert m.container_fps == 30.0 and m.capture_fps == 30.0
    assert m.codec == "vp9"
    assert m.rotation_deg == 0
    assert m.duration_s == pytest.approx(230 / 30.0)
    np.testing.assert_allclose(m.timestamps_s, np.arange(230) / 30.0, atol=1e-9)
    assert len(m.warnings) == 1
    assert "plays at 30 fps" in m.warnings[0] and "--capture-fps" in m.warnings[0]
    frame = next(iter_frames(m, start_frame=200, max_width_px=442))
    assert frame.index == 200 and frame.image.shape == (248, 442, 3)
    assert frame.t_s == pytest.approx(200 / 30.0)
