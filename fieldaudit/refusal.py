"""The one kind of error the data layer raises for a person: what was refused, and the HTTP status that fits."""


class Refusal(ValueError):
    """A user-facing refusal; `errors.py` turns an uncaught one into its status and message for every blueprint."""

    status = 400

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
