"""Drawn signatures: the PNG from the tablet's signature pad is a blob; the signature row names it."""


def upgrade(db):
    """Add the drawing's content hash to signatures."""
    db.conn.execute("ALTER TABLE signatures ADD COLUMN drawing_sha256 TEXT")
