// Parses each Mermaid file named on the command line with the npm `mermaid` package (the
// library GitHub renders with) and prints the failures as JSON: [{file, message}].
// Parsing needs a DOM only for mermaid's HTML sanitiser; jsdom provides one, so no browser.
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

const { window } = new JSDOM("");
globalThis.window = window;
globalThis.document = window.document;
const { default: mermaid } = await import("mermaid");

const failures = [];
for (const file of process.argv.slice(2)) {
  try {
    await mermaid.parse(readFileSync(file, "utf8"));
  } catch (error) {
    failures.push({ file, message: String(error.message ?? error) });
  }
}
process.stdout.write(JSON.stringify(failures));
