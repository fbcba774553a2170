"""The e-signature check: a person re-enters their own password to sign (an audit, an approval) or to change it.

One rule for every place that asks, so an audit's signature and a document approval mean the same thing
(data functions; no Flask).
"""
from ..refusal import Refusal
from . import throttle, users

WRONG_PASSWORD = "That password is not correct; your signature needs your own password."


def verify_signature(db, user_id: str, password: str, message: str = WRONG_PASSWORD, *,
                     attempt: throttle.Attempt | None = None) -> dict:
    """The signer's row once the password they re-entered is their own; raises a 422 refusal otherwise.

    Pages pass the `attempt` of the person asking (`auth.password_attempt()`), so wrong passwords count against
    the same throttle as sign-in: a 429 `throttle.Locked` once locked. Without it (the CLI, the demo) nothing counts.
    """
    signer = users.get_user(db, user_id)
    verify = lambda: users.verify_password(signer, password)  # noqa: E731
    ok = throttle.check(db, attempt, verify) if attempt is not None else verify()
    if not ok:
        raise Refusal(message, 422)
    return signer
