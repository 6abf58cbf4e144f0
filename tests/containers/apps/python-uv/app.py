"""Keeps notes in memory and answers /healthz; FastAPI and uvicorn come from uv.lock."""

from fastapi import FastAPI

app = FastAPI()
notes: list[str] = []


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok", "manager": "uv"}


@app.post("/notes")
def add_note(text: str) -> dict[str, int]:
    notes.append(text)
    return {"count": len(notes)}
