const express = require("express");

const app = express();
const port = process.env.PORT || 3000;

app.get("/healthz", (_req, res) => res.json({ status: "ok" }));
app.get("/api/products", async (_req, res) => res.json([]));

app.listen(port, () => console.log(`shop-api listening on ${port}`));
