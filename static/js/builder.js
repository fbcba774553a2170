// Checklist builder: drag a question card onto another to move it there (before it), or onto a section's empty
// list; the Move up / Move down buttons do the same from the keyboard. The move is one htmx POST like any edit,
// carrying the draft revision the page shows, so a move on a stale page is refused rather than misplaced.
(function () {
  "use strict";
  var dragged = null;

  function clearMarks() {
    document.querySelectorAll(".q-card.drop-before").forEach(function (el) { el.classList.remove("drop-before"); });
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest ? event.target.closest(".q-card[draggable]") : null;
    if (!card) { return; }
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.id);
  });

  document.addEventListener("dragover", function (event) {
    if (!dragged) { return; }
    var over = event.target.closest ? event.target.closest(".q-card, .q-cards") : null;
    if (!over) { return; }
    event.preventDefault();
    clearMarks();
    if (over.classList.contains("q-card") && over !== dragged) { over.classList.add("drop-before"); }
  });

  document.addEventListener("drop", function (event) {
    if (!dragged) { return; }
    var over = event.target.closest ? event.target.closest(".q-card, .q-cards") : null;
    var editor = document.getElementById("draft-editor");
    if (!over || !editor || over === dragged) { return; }
    event.preventDefault();
    var list = over.classList.contains("q-cards") ? over : over.parentElement;
    var toSection = list.dataset.section;
    var to = over.classList.contains("q-card") ? Number(over.dataset.question) : list.children.length;
    var from = Number(dragged.dataset.question);
    // Removing the card first shifts the later ones in the same section up by one.
    if (dragged.dataset.section === toSection && from < to) { to -= 1; }
    htmx.ajax("POST", editor.dataset.updateUrl, {
      target: "#draft-editor", swap: "outerHTML",
      values: {op: "move_question", section: dragged.dataset.section, question: from, to_section: toSection,
               to: to, revision: editor.dataset.revision, preview: editor.dataset.preview}
    });
  });

  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
    clearMarks();
  });
})();
