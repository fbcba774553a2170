"""Numbered schema migrations: NNNN_name.py with an `upgrade(db)` function; never edit a landed one."""
