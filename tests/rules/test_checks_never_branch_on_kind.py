"""Which checks a kind of message runs, and what their failure leads to there, is declared once, in the chain
table (rules/chains.py): no other module of rules/ decides by the message's kind."""

from __future__ import annotations

from rules import chains
from tests.test_add_a_kind import branches_under


def test_no_module_of_rules_but_the_chain_table_branches_on_kind() -> None:
    found = branches_under("rules", chains.__file__)
    assert found == [], "declare it in the chains (rules/chains.py) instead:\n" + "\n".join(found)
