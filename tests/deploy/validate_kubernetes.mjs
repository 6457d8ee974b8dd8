// Every object of the given multi-document YAML files (kubectl kustomize's output) validated
// against its Kubernetes or prometheus-operator schema (kubernetes-models): a kind without a
// schema, a wrong type, a missing required field or a value outside an enumeration fails (a
// misspelt optional field does not: the models' schemas allow other properties). Exit 1 on the first
// file with a problem, each problem printed as FILE: KIND/NAME: message.
//   node validate_kubernetes.mjs FILE...
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const modules = {
  v1: "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "policy/v1": "kubernetes-models/policy/v1",
  "monitoring.coreos.com/v1": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
};

let failed = false;
for (const file of process.argv.slice(2)) {
  const kinds = {};
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length) {
      console.error(`${file}: not YAML: ${doc.errors[0].message}`);
      failed = true;
      continue;
    }
    const object = doc.toJS();
    if (object === null) continue;
    const where = `${file}: ${object.kind}/${object.metadata?.name}`;
    const path = modules[object.apiVersion];
    const model = path && (await import(path))[object.kind];
    if (!model) {
      console.error(`${where}: no schema for ${object.apiVersion} ${object.kind}`);
      failed = true;
      continue;
    }
    try {
      new model(object).validate();
      kinds[object.kind] = (kinds[object.kind] ?? 0) + 1;
    } catch (e) {
      console.error(`${where}: ${e.message}`);
      failed = true;
    }
  }
  if (!failed) {
    console.log(`${file}: valid: ${Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(", ")}`);
  }
}
process.exit(failed ? 1 : 0);
