"use strict";
// Tells the time and answers /healthz; hono and its Node adapter come from the pnpm lockfile.
const { Hono } = require("hono");
const { serve } = require("@hono/node-server");

const app = new Hono();
const port = Number(process.env.PORT || 3000);

app.get("/healthz", (c) => c.json({ status: "ok", manager: "pnpm" }));
app.get("/time", (c) => c.json({ now: new Date().toISOString() }));

if (require.main === module) {
  const server = serve({ fetch: app.fetch, port, hostname: "0.0.0.0" }, () => console.log(`listening on ${port}`));
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

module.exports = { app };
