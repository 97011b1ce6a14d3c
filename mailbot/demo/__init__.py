"""`mailbot demo`: the main job on the embedded default with sample data (`demo_run.py`, `sample/*.csv`), the
sample mailbox (`sample_mail.py`) and filled-in, signed forms as a practice sends them (`form_samples.py`,
`form_filling.py`; the tests use them too)."""
