"""Reading a Primary User request form (SPEC 9) from PDF bytes: fields, how it was read, and its signature marks."""
