"""Rolls dice and answers /healthz; Flask and gunicorn come from poetry.lock."""

import random

from flask import Blueprint, Flask, jsonify

routes = Blueprint("dice", __name__)


@routes.get("/healthz")
def healthz() -> object:
    return jsonify(status="ok", manager="poetry")


@routes.get("/roll/<int:sides>")
def roll(sides: int) -> object:
    return jsonify(result=random.randint(1, max(sides, 1)))


def create_app() -> Flask:
    app = Flask(__name__)
    app.register_blueprint(routes)
    return app
