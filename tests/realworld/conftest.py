"""The pipeline's bot (a real store with the sample register, `mailbot process --json`, DKIM with a test key) for
messages written byte for byte as real mail programs send them."""

from tests.pipeline.conftest import bot, signing_key

__all__ = ["bot", "signing_key"]
