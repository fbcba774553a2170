"""The tablet side of offline work: what the browser's queue of changes made offline needs from the server."""
