"use strict";
// Greets by name and answers /healthz; express is the third-party dependency the image must carry.
const express = require("express");

const app = express();
const port = Number(process.env.PORT || 3000);

app.get("/healthz", (_req, res) => res.json({ status: "ok", manager: "npm" }));
app.get("/hello/:name", (req, res) => res.json({ greeting: `hello, ${req.params.name}` }));

if (require.main === module) {
  const server = app.listen(port, "0.0.0.0", () => console.log(`listening on ${port}`));
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

module.exports = { app };
