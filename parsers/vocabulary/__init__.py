"""The words parsers/ and rules/ share: message kinds, case outcomes and signatory roles, as enums and tables
of plain data. Here, at the bottom, so that rules/ may import parsers/ and parsers/ never imports rules/."""
