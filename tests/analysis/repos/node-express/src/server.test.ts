import { test, expect } from "vitest";
test("listens on 9999 in tests", () => expect(9999).toBe(9999));
const port = process.env.PORT || 9999;
