import re

import pytest

from opsmith.regex import lazy


def test_a_lazy_pattern_is_compiled_on_first_use_and_once() -> None:
    broken = lazy(r"(unclosed")  # declaring it compiles nothing, so nothing fails yet
    with pytest.raises(re.error):
        broken()
    words = lazy(r"roll(?:ing)?[\s_-]?back", re.IGNORECASE)
    assert words() is words()
    assert words().search("How to Roll back") is not None
