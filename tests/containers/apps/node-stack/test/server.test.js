"use strict";
const assert = require("node:assert/strict");
const { test } = require("node:test");
const { createApp } = require("../server");

async function get(app, path) {
  await new Promise((resolve) => app.listen(0, "127.0.0.1", resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${app.address().port}${path}`);
    return res.status;
  } finally {
    app.close();
  }
}

test("liveness answers without asking the backends", async () => {
  const app = createApp(() => Promise.reject(new Error("must not be called")));
  assert.equal(await get(app, "/livez"), 200);
});

test("readiness fails when a backend does not answer", async () => {
  const app = createApp(() => Promise.reject(new Error("database down")));
  assert.equal(await get(app, "/healthz"), 503);
});
