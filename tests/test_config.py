from pathlib import Path

import pytest
import yaml

from inference.config import load_config, save_resolved
from inference.errors import UsageError
from labeling.config import DataConfig


def test_defaults_and_file_agree_on_shape(tmp_path: Path) -> None:
    cfg = load_config(DataConfig, None)
    assert cfg.split.dev == 0.15 and cfg.augment.copies == 2


def test_unknown_key_is_rejected_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"split": {"dev_fraction": 0.2}}))
    with pytest.raises(UsageError, match=r"c.yaml: split.dev_fraction: unknown key"):
        load_config(DataConfig, path)


def test_dotted_override_sets_typed_value() -> None:
    cfg = load_config(DataConfig, None, ["augment.seed=7", "split.dev=0.2", "paths.messages=x.jsonl"])
    assert cfg.augment.seed == 7 and cfg.split.dev == 0.2 and cfg.paths.messages == Path("x.jsonl")


def test_override_of_unknown_key_fails() -> None:
    with pytest.raises(UsageError, match="augment.sed: unknown key"):
        load_config(DataConfig, None, ["augment.sed=7"])


def test_override_with_bad_value_names_key() -> None:
    with pytest.raises(UsageError, match="split.dev"):
        load_config(DataConfig, None, ["split.dev=lots"])


def test_override_without_equals_fails() -> None:
    with pytest.raises(UsageError, match="key.path=value"):
        load_config(DataConfig, None, ["augment.seed"])


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="config file not found"):
        load_config(DataConfig, tmp_path / "nope.yaml")


def test_resolved_config_is_saved_next_to_artifact(tmp_path: Path) -> None:
    cfg = load_config(DataConfig, None, ["augment.seed=9"])
    artifact = tmp_path / "out.jsonl"
    artifact.write_text("")
    sidecar = save_resolved(cfg, artifact, argv=["aftersales", "label", "augment", "--set", "augment.seed=9"])
    assert sidecar.name == "out.jsonl.config.yaml"
    text = sidecar.read_text()
    assert text.startswith("# command: aftersales label augment --set augment.seed=9")
    assert load_config(DataConfig, sidecar) == cfg      # the record reloads to the same config
