"""What PCSE staff see and do (SPEC 13): the actions on a case (`actions.py`, `requests.py`, `resend.py`,
`send_again.py`, `deferred_forms.py`), the case as plain data for a person (`case_view.py`, `reading_view.py`,
`how_read_view.py`, `explain.py`, `labels.py`), and the web pages over the same functions (`web/`)."""
