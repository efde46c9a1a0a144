// Runs graphql-http's server audits (GraphQL over HTTP conformance) against the URL given on
// the command line: node audit.mjs http://127.0.0.1:PORT/graphql
// Prints one JSON line: [{"id", "name", "status", "reason"}] (status: ok, notice, warn, error).
import { serverAudits } from "graphql-http";

const url = process.argv[2];
const results = [];
for (const audit of serverAudits({ url })) {
  try {
    const result = await audit.fn();
    results.push({ id: result.id, name: result.name, status: result.status, reason: result.reason ?? null });
  } catch (error) {
    results.push({ id: audit.id, name: audit.name, status: "error", reason: `audit threw: ${error}` });
  }
}
console.log(JSON.stringify(results));
