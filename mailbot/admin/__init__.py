"""What an administrator sets up once: the register imported from CSV (`register_import.py`) and the published
blank forms (`form_builder.py`)."""
