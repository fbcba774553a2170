"""The e-signature check: a person re-enters their own password to sign (an audit, an approval) or to change it.

One rule for every place that asks, so an audit's signature and a document approval mean the same thing
(data functions; no Flask).
"""
from ..refusal import Refusal
from . import users

WRONG_PASSWORD = "That password is not correct; your signature needs your own password."


def signature_refusal(signer: dict | None, password: str, message: str = WRONG_PASSWORD) -> Refusal | None:
    """Why this password does not sign for `signer` (a 422 refusal), or None when it does."""
    return None if users.verify_password(signer, password) else Refusal(message, 422)


def verify_signature(db, user_id: str, password: str, message: str = WRONG_PASSWORD) -> dict:
    """The signer's row once the password they re-entered is their own; raises the refusal otherwise."""
    signer = users.get_user(db, user_id)
    refused = signature_refusal(signer, password, message)
    if refused is not None:
        raise refused
    return signer
