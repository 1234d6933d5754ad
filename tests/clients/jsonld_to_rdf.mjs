// Converts a JSON-LD document to N-Quads with jsonld.js, as its users do:
//
//   node jsonld_to_rdf.mjs [--base IRI] [--serve URL FILE]... [FILE]
//
// Reads FILE (or stdin when absent or "-") and prints
// `await jsonld.toRDF(doc, {format: 'application/n-quads'})`. Our documents embed their
// @context, so the document loader refuses every URL (no network), except a URL given with
// --serve: it answers that one with the local FILE (a published context file, as if fetched
// from URL). Every event jsonld.js reports (a dropped term, a relative IRI, ...) is written to
// stderr as "jsonld.js warning [code]: message"; a failure goes to stderr and exits with 1.
import { readFileSync } from 'node:fs';
import jsonld from 'jsonld';

const args = process.argv.slice(2);
let base = null;
let file = '-';
const served = new Map();
while (args.length) {
  const arg = args.shift();
  if (arg === '--base') base = args.shift();
  else if (arg === '--serve') served.set(args.shift(), args.shift());
  else file = arg;
}

const options = {
  format: 'application/n-quads',
  documentLoader: async (url) => {
    if (!served.has(url)) {
      throw new Error(`refusing to load ${url}: the document should embed its @context`);
    }
    const document = JSON.parse(readFileSync(served.get(url), 'utf8'));
    return { contextUrl: null, document, documentUrl: url };
  },
  eventHandler: ({ event, next }) => {
    process.stderr.write(`jsonld.js ${event.level} [${event.code}]: ${event.message}\n`);
    next();
  },
};
if (base !== null) options.base = base;

try {
  const doc = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
  process.stdout.write(await jsonld.toRDF(doc, options));
} catch (error) {
  process.stderr.write(`jsonld.js: ${error.message}\n`);
  process.exit(1);
}
