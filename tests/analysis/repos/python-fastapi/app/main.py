import os

import boto3
from fastapi import FastAPI

from app.db import connect

app = FastAPI(title="catalog")
s3 = boto3.client("s3")
BUCKET = os.environ["IMAGES_BUCKET"]


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/products")
async def products() -> list[dict[str, object]]:
    conn = await connect()
    return [dict(r) for r in await conn.fetch("select id, name from products")]
