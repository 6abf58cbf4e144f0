import os

from flask import Flask, jsonify
from pymongo import MongoClient

app = Flask(__name__)
client = MongoClient(os.environ.get("MONGO_URL", "mongodb://localhost:27017"))


@app.route("/health")
def health():
    return jsonify(status="ok")


@app.route("/notes")
def notes():
    return jsonify(list(client.notes.items.find({}, {"_id": 0})))


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000)
