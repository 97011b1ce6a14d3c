"""The daemon never loads what only a form reader needs (PDF, image and OCR libraries): they are its children's
work (mailbot/processing/form_reader_child.py), and each library loaded here is memory every daemon holds for
as long as it runs (OpenCV, NumPy and Pillow together some 35 MB)."""

from __future__ import annotations

import json
import subprocess
import sys

# What `mailbot run` imports (mailbot/cli/commands/run.py: the command line, then the pipeline's parts).
DAEMON_IMPORTS = """
import json, sys
import mailbot.cli.main
from mailbot.daemon.big_buffers import give_big_buffers_back
from mailbot.daemon.scheduler import Daemon
from mailbot.processing.mail_handler import PipelineHandler
from mailbot.processing.services import understander
from mailbot.processing.settings import settings_from
print(json.dumps(sorted(sys.modules)))
"""
FORM_READERS_ONLY = ("cv2", "numpy", "PIL", "pypdf", "pypdfium2", "pyhanko", "pyhanko_certvalidator",
                     "reportlab", "tesserocr")


def test_the_daemon_loads_no_pdf_or_image_library() -> None:
    done = subprocess.run([sys.executable, "-c", DAEMON_IMPORTS], capture_output=True, text=True, check=True)
    loaded = {name.split(".")[0] for name in json.loads(done.stdout)}
    assert "mailbot" in loaded and "sqlalchemy" in loaded  # the imports above did run
    assert loaded.isdisjoint(FORM_READERS_ONLY), sorted(loaded & set(FORM_READERS_ONLY))


def test_the_form_readers_libraries_are_the_ones_named() -> None:
    """The list above names real modules: what a full form reader loads (mailbot/processing/form_reader_child.py,
    preload_for_reading) holds them, so the test above can fail."""
    done = subprocess.run([sys.executable, "-c", "import json, sys; from mailbot.processing.child_process import "
                           "preload_for_reading; preload_for_reading(ocr=True, signatures=True); "
                           "print(json.dumps(sorted(sys.modules)))"], capture_output=True, text=True, check=True)
    loaded = {name.split(".")[0] for name in json.loads(done.stdout)}
    assert {"cv2", "numpy", "PIL", "pypdf", "pypdfium2", "pyhanko", "tesserocr"} <= loaded
