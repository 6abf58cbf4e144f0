"use strict";

const test = require("node:test");
const assert = require("node:assert");
const { addBook, listBooks } = require("../src/books");

test("a book added is listed", () => {
  addBook("The Phoenix Project", "Gene Kim");
  assert.strictEqual(listBooks().length, 1);
});
