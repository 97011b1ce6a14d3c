"""Reading the shared mailbox: which messages to work on (`worker.py`, with its claims and the heartbeat's leases),
from IMAP (`imap_source.py`, woken by `imap_idle.py`) or a local Maildir (`maildir_source.py`). Each message is
handed to the processing contract (mailbot.processing.contract) and nothing here decides anything about it."""
