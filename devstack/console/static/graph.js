// Renders the execution's graph (the <pre class="mermaid"> the page carries) with the Mermaid
// the console serves itself; no network beyond the console.
/* global mermaid */
mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral" });

// The graph first fits the page width (the path at a glance); the button switches to its
// natural size, where every label reads, scrolling inside its box, and back.
function zoomButton(svg) {
  const button = document.getElementById("graph-zoom");
  const natural = svg.style.maxWidth;
  button.hidden = false;
  button.addEventListener("click", () => {
    const actual = svg.style.width !== natural;
    svg.style.width = actual ? natural : "";
    button.textContent = actual ? "Fit to width" : "Actual size";
  });
}

mermaid.run({ querySelector: "pre.mermaid" }).then(() => {
  zoomButton(document.querySelector("#graph svg"));
  document.body.dataset.graph = "rendered";
}).catch((error) => {
  document.body.dataset.graph = "failed";
  const note = document.createElement("p");
  note.className = "error";
  note.textContent = "The graph could not be drawn: " + error;
  document.getElementById("graph").after(note);
});
