// Composes the subgraphs named on the command line: node compose.mjs name=file.graphql ...
// Prints {"ok": true, "supergraph": "..."} or {"ok": false, "errors": [...]}.
import { readFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

const services = process.argv.slice(2).map((arg, i) => {
  const [name, file] = arg.split("=");
  return { name, url: `http://127.0.0.1:${4001 + i}/graphql`, typeDefs: parse(readFileSync(file, "utf8")) };
});
const result = composeServices(services);
if (result.errors) {
  console.log(JSON.stringify({ ok: false, errors: result.errors.map((e) => e.message) }));
  process.exit(1);
}
console.log(JSON.stringify({ ok: true, supergraph: result.supergraphSdl }));
