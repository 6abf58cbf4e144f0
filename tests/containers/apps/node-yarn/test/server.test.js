"use strict";
const assert = require("node:assert");
const test = require("node:test");
const { app } = require("../server.js");

test("counts the requests it served", async () => {
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  try {
    const base = `http://127.0.0.1:${server.address().port}`;
    assert.strictEqual((await fetch(`${base}/healthz`)).status, 200);
    assert.deepStrictEqual(await (await fetch(`${base}/count`)).json(), { served: 2 });
  } finally {
    server.close();
  }
});
