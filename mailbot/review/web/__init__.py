"""The review web page for PCSE staff (SPEC 13): server-rendered pages over the same review model as
`mailbot review`, behind a staff login. Everything that came from an email is shown as escaped text."""
