"use strict";

// Reading lists live in PostgreSQL (DATABASE_URL); hot lists are cached in Redis (REDIS_URL).
// This example keeps them in memory so it runs anywhere; the variables tell opsmith what to provision.
const books = new Map();

function addBook(title, author) {
  const id = books.size + 1;
  books.set(id, { id, title, author });
  return books.get(id);
}

function listBooks() {
  return [...books.values()];
}

module.exports = { addBook, listBooks };
