"""The source package ships the code and models, never the CC BY-NC sample clip."""

import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("git") is None or not (REPO / ".git").exists(), reason="needs a git checkout")
def test_source_package_leaves_out_the_sample_and_tests(tmp_path):
    done = subprocess.run(["bash", str(REPO / "packaging" / "make_source_package.sh"), str(tmp_path)],
                          capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    archive = Path(done.stdout.strip())
    assert archive.is_file() and archive.name.startswith("keyfill-") and archive.suffixes[-2:] == [".tar", ".gz"]
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob(".*.part")), "no half-written file left"
    with tarfile.open(archive) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    assert {"main.py", "pyproject.toml", "core/cli/main.py", "app/main.py", "packaging/keyfill.desktop"} <= names
    assert not any(n.startswith(("resources/samples", "tests/", ".ci/")) for n in names)
