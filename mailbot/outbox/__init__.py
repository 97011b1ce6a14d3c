"""Everything about the mail the mailbot writes: which mails a decided case gets (`case_mail.py`), their text
(`replies.py` and `templates/`), the outbox row (`rows.py`), the bytes on the wire (`mail_bytes.py`), temporary
passwords (`temp_passwords.py`), and draining the outbox (`sender.py`) to SMTP or a Maildir (`transport.py`)."""
