// Parses RDF with N3.js (the parser Comunica uses) as its users do, and prints what it read.
//
//   node n3_parse.mjs [--format FORMAT] [--base IRI] [FILE]
//
// Reads FILE (or stdin when absent or "-"), parses it with `new N3.Parser({format, baseIRI})`
// and writes the triples with `new N3.Writer({format: 'N-Triples'})` to stdout, after a first
// comment line "# triples: N". FORMAT is an N3.js format name ("text/turtle",
// "application/n-triples", ...; default text/turtle). The base IRI defaults to FILE's file: URL.
// A parse error goes to stderr and exits with status 1.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import N3 from 'n3';

const args = process.argv.slice(2);
let format = 'text/turtle';
let baseIRI = null;
let file = '-';
while (args.length) {
  const arg = args.shift();
  if (arg === '--format') format = args.shift();
  else if (arg === '--base') baseIRI = args.shift();
  else file = arg;
}
const text = readFileSync(file === '-' ? 0 : file, 'utf8');
if (baseIRI === null && file !== '-') baseIRI = pathToFileURL(resolve(file)).href;

let quads;
try {
  const parser = new N3.Parser(baseIRI === null ? { format } : { format, baseIRI });
  quads = parser.parse(text);
} catch (error) {
  process.stderr.write(`n3.js: ${error.message}\n`);
  process.exit(1);
}
const writer = new N3.Writer({ format: 'N-Triples' });
writer.addQuads(quads);
writer.end((error, result) => {
  if (error) {
    process.stderr.write(`n3.js writer: ${error.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`# triples: ${quads.length}\n${result}`);
});
