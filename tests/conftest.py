"""Shared test setup: the Lambda sources are importable as the runtime imports them."""

import sys
from pathlib import Path

LAMBDAS = Path(__file__).resolve().parent.parent / "lambdas"
if str(LAMBDAS) not in sys.path:
    sys.path.insert(0, str(LAMBDAS))
