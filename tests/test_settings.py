"""Which settings shape the output (`filmcolor.settings`): derived from the configs, never listed."""

from dataclasses import replace

from configs import render_config

from filmcolor.settings import file_identity, output_settings


def test_output_settings_leave_out_what_only_changes_the_speed(tmp_path):
    weights = tmp_path / "w.pt"
    weights.write_bytes(b"weights")
    config = render_config(weights=weights)
    settings = output_settings(config)
    assert settings["inference"] == {
        "weights": file_identity(weights)["sha256_ends"],
        "model_size": 256,
        "saturation": 1.0,
        "edge_radius": 8,
        "amp": "bf16",
    }
    assert settings["encode"] == {"codec": "libx264", "crf": 18, "preset": "medium", "pix_fmt": None}
    assert settings["segments"] == {"seconds": 60.0} and "overwrite" not in settings and "queue_depth" not in settings
    fast = render_config(weights=weights, device="cpu", batch_size=16, compile=True, restart=True, overwrite=True)
    assert output_settings(fast) == settings
    for changed in (
        render_config(weights=weights, crf=20),
        render_config(weights=weights, smooth=False),
        render_config(weights=weights, segment_seconds=30),
    ):
        assert output_settings(changed) != settings
    renamed = tmp_path / "renamed.pt"
    weights.rename(renamed)
    # the file, not its name
    assert output_settings(replace(config, inference=replace(config.inference, weights=renamed))) == settings
