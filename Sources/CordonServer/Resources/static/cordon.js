// The result form's small helpers; the form works without them.
// Seizure lines show only for a seizure, and "Add a line" copies the last line, emptied.
(function () {
  var form = document.querySelector("form.result");
  if (!form) return;
  var lines = document.getElementById("seizure-lines");
  var add = lines.querySelector(".add-line");
  function sync() {
    var chosen = form.querySelector("input[name=outcome]:checked");
    // Hidden lines are disabled too, so that lines typed before changing the outcome are not sent.
    lines.hidden = lines.disabled = !chosen || chosen.value !== "seizure";
  }
  form.addEventListener("change", sync);
  sync();
  add.hidden = false;
  add.addEventListener("click", function () {
    var all = lines.querySelectorAll(".seizure-line");
    var copy = all[all.length - 1].cloneNode(true);
    copy.querySelectorAll("input").forEach(function (field) { field.value = ""; });
    add.before(copy);
  });
})();

// The unread count of the user's units' messages, kept current by server-sent events; the browser reconnects by
// itself after a broken link. On the inbox, a new message reloads the list.
(function () {
  var badge = document.getElementById("unread");
  if (!badge || !window.EventSource) return;
  var events = new EventSource("/messages/events");
  var last = null;
  events.addEventListener("unread", function (e) {
    var n = parseInt(e.data, 10) || 0;
    badge.textContent = n;
    badge.hidden = n === 0;
    if (last !== null && n > last && location.pathname === "/messages") location.reload();
    last = n;
  });
  // Closed when the page goes: a browser holds few connections per server over HTTP/1.1, and streams left open
  // by earlier pages would make the next page wait for one.
  window.addEventListener("pagehide", function () { events.close(); });
})();
