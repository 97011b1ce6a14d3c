"""One message from bytes to a recorded case: understand it before any transaction (`understanding.py`, forms read
in child processes by `sandbox.py`), handle it (`handle.py`: earlier sightings, forms, signatory answers, follow-ups),
record it with its outbox rows in one transaction (`record.py`). `contract.py` is what intake asks of this package;
`mail_handler.py` is the daemon's implementation of it."""
