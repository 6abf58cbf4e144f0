import unittest

import app


class HandlerTest(unittest.TestCase):
    def test_handler_is_an_http_handler(self) -> None:
        self.assertTrue(hasattr(app.Handler, "do_GET"))


if __name__ == "__main__":
    unittest.main()
