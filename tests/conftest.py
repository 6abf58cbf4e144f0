import secrets  # noqa: F401  the standard library's, before tests/secrets can shadow it (starlette needs it)
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
