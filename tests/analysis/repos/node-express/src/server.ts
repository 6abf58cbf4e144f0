import express from "express";
import { pool } from "./db";

const app = express();
const port = Number(process.env.PORT ?? 3000);

app.get("/health", async (_req, res) => {
  await pool.query("select 1");
  res.json({ status: "ok" });
});

app.get("/orders", async (_req, res) => {
  const { rows } = await pool.query("select id, total from orders limit 50");
  res.json(rows);
});

app.listen(port, () => console.log(`orders-api on ${port}`));
