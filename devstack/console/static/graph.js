// Renders the execution's graph (the <pre class="mermaid"> the page carries) with the Mermaid
// the console serves itself; no network beyond the console.
/* global mermaid */
mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral" });
mermaid.run({ querySelector: "pre.mermaid" }).then(() => {
  document.body.dataset.graph = "rendered";
}).catch((error) => {
  document.body.dataset.graph = "failed";
  const note = document.createElement("p");
  note.className = "error";
  note.textContent = "The graph could not be drawn: " + error;
  document.getElementById("graph").after(note);
});
