from app import app


def test_converts_fahrenheit_to_celsius() -> None:
    client = app.test_client()
    assert client.get("/celsius?f=212").get_json() == {"celsius": 100.0}
    assert client.get("/celsius?f=warm").status_code == 400
