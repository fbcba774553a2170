"""Sync between a device (site server) and the head-office hub: outbox, push, pull, blobs, merge."""
