"""The one-way flow: inference imports no other room and needs no torch."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imported_roots(package: Path) -> set[str]:
    roots = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                roots.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                roots.add(node.module.split(".")[0])
    return roots


def test_inference_source_imports_no_other_room() -> None:
    assert not _imported_roots(ROOT / "inference") & {"training", "labeling", "torch", "transformers"}


def test_labeling_does_not_import_training() -> None:
    assert "training" not in _imported_roots(ROOT / "labeling")


def test_cli_runs_with_other_rooms_and_torch_blocked() -> None:
    # Simulate a scoring server: torch, training and labeling cannot be imported at all.
    code = (
        "import sys\n"
        "for name in ('torch', 'transformers', 'training', 'labeling', 'jieba'):\n"
        "    sys.modules[name] = None\n"
        "import inference.cli, inference.records, inference.tickets, inference.config\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_help_lists_rooms_and_bad_config_exits_2() -> None:
    exe = Path(sys.executable).with_name("aftersales")
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0
    for command in ("label", "train", "export", "score", "evaluate", "rank-stores", "report", "serve",
                    "spark-score", "spark-evaluate"):
        assert f" {command} " in out.stdout, command
    bad = subprocess.run([str(exe), "label", "check", "--config", "no/such.yaml"],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2
    assert bad.stderr.strip() == "error: config file not found: no/such.yaml"
