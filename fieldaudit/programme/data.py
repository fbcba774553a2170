"""Programme data functions (no Flask): plans, generation of scheduled audits, listing, missed, linking."""
from .states import STATES, on_time, state  # noqa: F401  (the public state function lives with the data)
