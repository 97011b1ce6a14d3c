"""The words parsers/ and rules/ share: message kinds, case outcomes, signatory roles and organisation statuses, as
enums and tables of plain data. Here, at the bottom, so that rules/ may import parsers/ and parsers/ never imports
rules/."""
