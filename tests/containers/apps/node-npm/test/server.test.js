"use strict";
const assert = require("node:assert");
const test = require("node:test");
const { app } = require("../server.js");

test("greets by name", async () => {
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${server.address().port}/hello/ada`);
    assert.deepStrictEqual(await response.json(), { greeting: "hello, ada" });
  } finally {
    server.close();
  }
});
