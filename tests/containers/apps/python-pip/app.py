"""Converts temperatures and answers /healthz; Flask served by gunicorn, both from requirements.txt."""

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.get("/healthz")
def healthz() -> object:
    return jsonify(status="ok", manager="pip")


@app.get("/celsius")
def celsius() -> object:
    fahrenheit = request.args.get("f", type=float)
    if fahrenheit is None:
        return jsonify(error="give ?f=<degrees Fahrenheit>"), 400
    return jsonify(celsius=round((fahrenheit - 32) * 5 / 9, 2))
