import { Worker } from "bullmq";

new Worker("emails", async (job) => console.log("sending", job.id), {
  connection: { url: process.env.REDIS_URL },
});
