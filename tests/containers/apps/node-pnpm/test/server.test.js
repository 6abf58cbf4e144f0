"use strict";
const assert = require("node:assert");
const test = require("node:test");
const { app } = require("../server.js");

test("tells the time as an ISO timestamp", async () => {
  const response = await app.request("/time");
  const { now } = await response.json();
  assert.ok(!Number.isNaN(Date.parse(now)), now);
});
