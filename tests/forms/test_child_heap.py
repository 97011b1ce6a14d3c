"""The form-reading child freezes what it preloaded out of the garbage collector's way before it reads (settle_heap,
mailbot/processing/child_process.py), and still collects the garbage a read leaves. A real child's main() runs in a
fresh interpreter, as the sandbox starts it, reads one filled form, and tells on stderr what its collector holds."""

from __future__ import annotations

import io
import json
import pickle
import subprocess
import sys

from mailbot.processing.child_process import child_options
from mailbot.processing.form_reader_child import frame, read_frame
from parsers.forms.options import FormReadOptions
from tests.support import forms_fixtures as fx

CHILD = """
import gc, json, os, sys, weakref
from mailbot.processing import form_reader_child
report = os.fdopen(os.dup(2), "w")
code = form_reader_child.main(sys.argv[1:])
frozen = gc.get_freeze_count()
class Cycle:
    pass
made = Cycle()
made.itself = made
gone = weakref.ref(made)
del made
gc.collect()
report.write(json.dumps({"code": code, "frozen": frozen, "cycle_collected": gone() is None}))
"""


def test_a_form_reader_child_reads_with_its_preloaded_heap_frozen_and_still_collects_garbage() -> None:
    request = frame(pickle.dumps(FormReadOptions())) + frame(fx.filled_form("gp", fx.GOOD_VALUES, "ink"))
    done = subprocess.run([sys.executable, "-I", "-c", CHILD, "640", "8", "lean"], input=request,
                          capture_output=True, timeout=60, check=False, **child_options())
    assert done.returncode == 0, done.stderr
    answer = read_frame(io.BytesIO(done.stdout))
    assert answer is not None
    assert json.loads(answer)["status"] == "read"
    report = json.loads(done.stderr.decode().strip().splitlines()[-1])
    # A lean child preloads some 46,000 objects the collector tracks: tens of thousands frozen, not a handful.
    assert report == {"code": 0, "frozen": report["frozen"], "cycle_collected": True}
    assert report["frozen"] > 20_000
