"use strict";

const http = require("node:http");
const { addBook, listBooks } = require("./books");
const metrics = require("./metrics");

const port = Number(process.env.PORT || 3000);
const databaseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;

const server = http.createServer((req, res) => {
  if (req.url === "/metrics") {
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    res.end(metrics.exposition());
    return;
  }
  const started = process.hrtime.bigint();
  res.on("finish", () => metrics.observe(res.statusCode, Number(process.hrtime.bigint() - started) / 1e9));
  if (req.url === "/healthz") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ status: "ok", database: Boolean(databaseUrl), cache: Boolean(redisUrl) }));
    return;
  }
  if (req.url === "/books" && req.method === "GET") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(listBooks()));
    return;
  }
  if (req.url === "/books" && req.method === "POST") {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const { title, author } = JSON.parse(body || "{}");
      res.writeHead(201, { "content-type": "application/json" });
      res.end(JSON.stringify(addBook(title, author)));
    });
    return;
  }
  res.writeHead(404).end();
});

server.listen(port, () => console.log(`bookshelf listening on ${port}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
