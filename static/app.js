// peergroups: small progressive enhancements. Every page works without this file.
"use strict";

// A tap that fails (timeout, no signal, server error) must never look saved: the row keeps its
// old state, turns "unsaved" and says so; tapping again re-sends the same state (idempotent).
(function () {
  function row(event) {
    var element = event.detail && event.detail.elt;
    return element && element.closest ? element.closest(".roster-row") : null;
  }
  function setState(event, saving, unsaved) {
    var item = row(event);
    if (!item) { return; }
    item.classList.toggle("is-saving", saving);
    item.classList.toggle("is-unsaved", unsaved);
    var note = item.querySelector(".unsaved-note");
    if (note) { note.hidden = !unsaved; }
  }
  document.addEventListener("htmx:beforeRequest", function (event) { setState(event, true, false); });
  ["htmx:responseError", "htmx:sendError", "htmx:timeout", "htmx:swapError"].forEach(function (name) {
    document.addEventListener(name, function (event) { setState(event, false, true); });
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail && event.detail.successful) { setState(event, false, false); }
  });
})();

// After an undo (or a newcomer added), the server names the row that changed: bring it into view
// (its scroll-margin keeps it below the pinned count bar).
document.addEventListener("peergroups:changed", function (event) {
  var target = event.detail && document.getElementById(event.detail.value);
  if (target) { target.scrollIntoView({ block: "nearest" }); }
});
