"""`mailbot run`: the scheduler that runs intake, the outbox sender and the housekeeping jobs (`scheduler.py`), and
its HTTP endpoint for /healthz and /metrics (`health.py`)."""
