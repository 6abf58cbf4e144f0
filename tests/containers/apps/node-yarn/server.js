"use strict";
// Counts requests and answers /healthz; koa is installed from the yarn lockfile.
const Koa = require("koa");

const app = new Koa();
const port = Number(process.env.PORT || 3000);
let served = 0;

app.use((ctx) => {
  served += 1;
  if (ctx.method === "GET" && ctx.path === "/healthz") {
    ctx.body = { status: "ok", manager: "yarn" };
  } else if (ctx.method === "GET" && ctx.path === "/count") {
    ctx.body = { served };
  } else {
    ctx.status = 404;
  }
});

if (require.main === module) {
  const server = app.listen(port, "0.0.0.0", () => console.log(`listening on ${port}`));
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

module.exports = { app };
