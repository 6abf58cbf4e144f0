"""An npm workspace (a service under apps/, a local package under packages/, one lockfile at the
root) with no third-party dependency, so that its image builds without a network. Shared by the
consistency tests and the container test that builds the image."""

from __future__ import annotations

import json


def as_json(data: object) -> str:
    """A package.json or package-lock.json as npm writes it."""
    return json.dumps(data, indent=2) + "\n"


# The service requires the workspace's own package, which `npm ci` links from the lockfile.
WORKSPACE = {
    "package.json": as_json({"name": "shop", "private": True, "workspaces": ["apps/*", "packages/*"]}),
    "package-lock.json": as_json(
        {
            "name": "shop",
            "lockfileVersion": 3,
            "requires": True,
            "packages": {
                "": {"name": "shop", "workspaces": ["apps/*", "packages/*"]},
                "apps/api": {"name": "api", "version": "1.0.0", "dependencies": {"greeting": "1.0.0"}},
                "node_modules/api": {"resolved": "apps/api", "link": True},
                "node_modules/greeting": {"resolved": "packages/greeting", "link": True},
                "packages/greeting": {"name": "greeting", "version": "1.0.0"},
            },
        }
    ),
    "apps/api/package.json": as_json(
        {
            "name": "api",
            "version": "1.0.0",
            "scripts": {"start": "node server.js", "test": "node --test"},
            "dependencies": {"greeting": "1.0.0"},
        }
    ),
    "apps/api/server.js": """
        const http = require('http');
        const greeting = require('greeting');
        http
          .createServer((req, res) => {
            if (req.url === '/livez' || req.url === '/healthz') {
              res.end(greeting.hello());
            } else {
              res.statusCode = 404;
              res.end();
            }
          })
          .listen(process.env.PORT || 3000);
    """,
    "packages/greeting/package.json": as_json({"name": "greeting", "version": "1.0.0", "main": "index.js"}),
    "packages/greeting/index.js": "exports.hello = () => 'ok';\n",
}
