// A real FHIR client (npm fhir-kit-client) against the gateway over mutual TLS: reads the
// CapabilityStatement, searches a resource type page by page through Bundle.link[next], reads
// every resource it found by id, and prints one JSON summary line for the Python test to check.
//   node fhir_client_walk.mjs BASE_URL CERT_DIR CLIENT TYPE COUNT PURPOSE [SEARCH_JSON]
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// The packages are installed in tests/e2e/node (scripts/install-deps.sh), not beside this file.
const modules = path.join(import.meta.dirname, '..', 'node', 'node_modules');
const require = createRequire(path.join(modules, '..', 'package.json'));
const { Agent, setGlobalDispatcher } = require('undici');
const fhirKit = await import(pathToFileURL(path.join(modules, 'fhir-kit-client', 'dist', 'index.js')).href);
const Client = fhirKit.default ?? fhirKit.Client;

const [baseUrl, certDir, client, resourceType, count, purpose, searchJson] = process.argv.slice(2);
// fhir-kit-client uses the global fetch; its TLS settings come from the global dispatcher.
setGlobalDispatcher(new Agent({
  connect: {
    ca: fs.readFileSync(path.join(certDir, 'ca.crt')),
    cert: fs.readFileSync(path.join(certDir, `${client}.crt`)),
    key: fs.readFileSync(path.join(certDir, `${client}.key`)),
  },
}));

const fhir = new Client({ baseUrl, customHeaders: { 'X-Purpose-Of-Use': purpose } });
const capability = await fhir.capabilityStatement();
const searchParams = { _count: count, ...(searchJson ? JSON.parse(searchJson) : {}) };
let bundle = await fhir.search({ resourceType, searchParams });
const ids = [];
let pages = 0;
while (bundle) {
  pages += 1;
  for (const entry of bundle.entry ?? []) ids.push(entry.resource.id);
  bundle = await fhir.nextPage({ bundle });
}
const read = [];
for (const id of ids) {
  const resource = await fhir.read({ resourceType, id });
  read.push(resource.id);
}
console.log(JSON.stringify({ fhirVersion: capability.fhirVersion, pages, ids, read }));
