"""The package stands on its own: the sdist and the wheel carry what an installed bot and its tests need."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml

from bot.cli.slack_cmds import events_url, manifest_text

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`python -m build` as a release would run it (sdist, then the wheel from the sdist), offline."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


@pytest.mark.slow
def test_the_wheel_carries_the_manifest_env_example_vocabularies_and_migrations(dist: Path) -> None:
    [wheel] = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        manifest = whl.read("adapters/slack_adapter/app-manifest.yaml").decode()
        env_example = whl.read("bot/env.example").decode()
    # Real files with the content of the files at the top of the repository, not dangling symlinks.
    assert manifest == (ROOT / "slack-app-manifest.yaml").read_text(encoding="utf-8")
    assert env_example == (ROOT / ".env.example").read_text(encoding="utf-8")
    assert {"drills/families.yaml", "drills/misconceptions.yaml", "drills/topics.yaml", "drills/schema.json",
            "drills/shipped-ids.txt"} <= names
    assert any(n.startswith("bot/store/migrations/") and n.endswith(".sql") for n in names)
    assert not any(n.startswith("tests/") for n in names)  # the tests ship in the sdist only


@pytest.mark.slow
def test_the_sdists_own_tests_run_from_the_unpacked_folder(dist: Path, tmp_path: Path) -> None:
    [sdist] = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp_path, filter="data")
    [tree] = tmp_path.iterdir()
    for needed in ("LICENSE", ".env.example", "slack-app-manifest.yaml", "dev.py", "constraints.txt",
                   "tests/conftest.py", "tests/fixtures/previous-release.db", "drills/families.yaml"):
        assert (tree / needed).is_file(), needed
    # The unpacked tree's own code is what its tests import, not this checkout's.
    where = subprocess.run([sys.executable, "-c", "import bot, tests; print(bot.__file__)"], cwd=tree,
                           capture_output=True, text=True, timeout=60)
    assert Path(where.stdout.strip()).is_relative_to(tree), where.stdout + where.stderr
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/test_architecture.py", "tests/test_settings.py", "tests/test_upgrade.py"],
                          cwd=tree, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " failed" not in done.stdout


def test_slack_manifest_prints_socket_mode_by_default_and_http_mode_with_a_url(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    assert main(["slack", "manifest"]) == 0
    socket = yaml.safe_load(capsys.readouterr().out)
    assert socket["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in socket["settings"]["interactivity"]
    assert "channels:join" in socket["oauth_config"]["scopes"]["bot"]  # /drill schedule set joins public channels

    assert main(["slack", "manifest", "--http-url", "https://drills.example.com/"]) == 0
    http = yaml.safe_load(capsys.readouterr().out)
    url = "https://drills.example.com/slack/events"
    assert http["settings"]["socket_mode_enabled"] is False
    assert http["settings"]["interactivity"]["request_url"] == url
    assert http["settings"]["event_subscriptions"]["request_url"] == url
    assert http["features"]["slash_commands"][0]["url"] == url
    assert {k: v for k, v in http.items() if k not in ("settings", "features")} == \
           {k: v for k, v in socket.items() if k not in ("settings", "features")}


@pytest.mark.parametrize("url", ["http://drills.example.com", "drills.example.com", "https://", "https://x.example/?a=1"])
def test_slack_manifest_refuses_a_url_slack_cannot_call(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    assert main(["slack", "manifest", "--http-url", url]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "--http-url must be a public https:// address" in err


def test_an_url_that_already_names_the_events_path_keeps_it() -> None:
    assert events_url("https://x.example/bot/slack/events") == "https://x.example/bot/slack/events"
    assert events_url("https://x.example/bot") == "https://x.example/bot/slack/events"
    assert manifest_text().count("   # HTTP mode\n") == 3
