"""Sync between a device (a site server, or a tablet serving itself) and the head-office hub.

`devices` is the hub's registry of paired devices and their tokens; `api` is the HTTP surface (/sync/v1); the
protocol itself (outbox, push, pull, blobs, merge) lives beside them. The contract is in the repository's sync/.
"""
