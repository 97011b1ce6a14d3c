"""The demo's first look is the real one: scripts/demo.sh installs the NHS.UK styles, and the demo's own config
serves them from where the build put them (or says plainly that its pages are plain)."""

from __future__ import annotations

from pathlib import Path

from mailbot.app import App
from mailbot.config import load_config
from mailbot.review.web.app import NHSUK_CSS, NHSUK_DIST, nhsuk_folder
from tests.support.cli import ROOT, mailbot


def test_demo_script_installs_the_nhsuk_styles() -> None:
    lines = (ROOT / "scripts" / "demo.sh").read_text().splitlines()
    assert "ensure_nhsuk_frontend" in lines
    demo = next(i for i, line in enumerate(lines) if line.startswith(".venv/bin/mailbot demo"))
    assert lines.index("ensure_nhsuk_frontend") < demo


def test_the_demo_serves_the_styles_the_build_installed(tmp_path: Path) -> None:
    assets = tmp_path / "built" / "web"
    (assets / NHSUK_DIST).mkdir(parents=True)
    (assets / NHSUK_DIST / NHSUK_CSS).write_text("/* nhsuk */")
    launching = tmp_path / "mailbot.toml"
    launching.write_text(f'[web]\nassets_dir = "{assets}"\n')
    result = mailbot("--config", launching, "demo", "--dir", tmp_path / "demo")
    assert result.status == 0, result.err
    assert "The review web page (with the NHS.UK styles)" in result.out
    demo_config = load_config(tmp_path / "demo" / "mailbot.toml", environ={})
    assert nhsuk_folder(App(demo_config)) == assets / NHSUK_DIST


def test_without_the_styles_the_demo_says_its_pages_are_plain(tmp_path: Path) -> None:
    launching = tmp_path / "mailbot.toml"
    launching.write_text(f'[web]\nassets_dir = "{tmp_path / "nothing"}"\n')
    result = mailbot("--config", launching, "demo", "--dir", tmp_path / "demo")
    assert result.status == 0 and "as plain pages: the NHS.UK styles are not installed" in result.out
