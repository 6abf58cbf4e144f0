from app import app
from fastapi.testclient import TestClient


def test_counts_the_notes_it_keeps() -> None:
    client = TestClient(app)
    client.post("/notes", params={"text": "buy milk"})
    assert client.post("/notes", params={"text": "call back"}).json() == {"count": 2}
