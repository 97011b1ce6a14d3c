"""The outbox in the store: the rows a case queues (`case_rows.py`), claiming and marking them as the sender works
(`queue.py`), and listing them for staff (`listing.py`)."""
