const express = require("express");
const client = require("prom-client");

const app = express();
const requests = new client.Counter({ name: "http_requests_total", help: "Requests", labelNames: ["status"] });
const duration = new client.Histogram({ name: "http_request_duration_seconds", help: "Latency" });

app.use((req, res, next) => {
  const stop = duration.startTimer();
  res.on("finish", () => {
    requests.inc({ status: res.statusCode });
    stop();
  });
  next();
});
app.get("/metrics", async (_req, res) => res.type(client.register.contentType).send(await client.register.metrics()));
const port = process.env.PORT || 3000;

app.get("/healthz", (_req, res) => res.json({ status: "ok" }));
app.get("/api/products", async (_req, res) => res.json([]));

app.listen(port, () => console.log(`shop-api listening on ${port}`));
