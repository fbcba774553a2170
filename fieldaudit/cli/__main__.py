"""`python -m fieldaudit.cli`: the same command as the `fieldaudit` script (tests start servers this way)."""
from . import main

main()
