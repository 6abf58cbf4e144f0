"use strict";
// A service whose readiness depends on PostgreSQL and Redis, and whose liveness does not.
const http = require("node:http");

function withTimeout(promise, ms) {
  let timer;
  const expiry = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, expiry]).finally(() => clearTimeout(timer));
}

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

// `checkBackends` resolves when the database and the cache both answer, and rejects otherwise.
function createApp(checkBackends) {
  return http.createServer((req, res) => {
    if (req.url === "/livez") {
      send(res, 200, { status: "alive" });
    } else if (req.url === "/healthz") {
      checkBackends().then(
        (checks) => send(res, 200, { status: "ok", ...checks }),
        (err) => send(res, 503, { status: "unavailable", error: err.message })
      );
    } else {
      send(res, 404, { error: "not found" });
    }
  });
}

function main() {
  const { Pool } = require("pg");
  const { createClient } = require("redis");
  const port = Number(process.env.PORT || 3000);
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 2000, max: 2 });
  // An idle client whose server goes away emits "error"; unhandled, it would end the process.
  pool.on("error", (err) => console.error("postgres:", err.message));
  const cache = createClient({
    url: process.env.REDIS_URL,
    socket: { connectTimeout: 2000, reconnectStrategy: () => 1000 },
  });
  cache.on("error", (err) => console.error("redis:", err.message));
  cache.connect().catch((err) => console.error("redis:", err.message));

  async function checkBackends() {
    const db = await withTimeout(pool.query("SELECT 1 AS one"), 2000);
    const key = `readiness:${process.pid}`;
    await withTimeout(cache.set(key, String(Date.now()), { EX: 60 }), 2000);
    const stored = await withTimeout(cache.get(key), 2000);
    return { database: db.rows[0].one === 1, cache: stored !== null };
  }

  const server = createApp(checkBackends).listen(port, () => console.log(`listening on ${port}`));
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

module.exports = { createApp, withTimeout };

if (require.main === module) {
  main();
}
