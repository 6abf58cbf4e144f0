"use strict";

const test = require("node:test");
const assert = require("node:assert");
const { addBook, listBooks } = require("../src/books");

test("a book added is listed", () => {
  addBook("The Phoenix Project", "Gene Kim");
  assert.strictEqual(listBooks().length, 1);
});

test("requests are counted for Prometheus", () => {
  const metrics = require("../src/metrics");
  metrics.observe(200, 0.02);
  metrics.observe(500, 2);
  const text = metrics.exposition();
  assert.match(text, /^http_requests_total\{status="500"\} 1$/m);
  assert.match(text, /^http_request_duration_seconds_bucket\{le="1"\} 1$/m);
  assert.match(text, /^http_request_duration_seconds_count 2$/m);
});
