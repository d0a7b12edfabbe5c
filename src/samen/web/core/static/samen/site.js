/* samen: small progressive enhancements on every page (the pages work without them).

   1. A table wider than the screen scrolls inside itself (samen.css); such a table gets
      tabindex="0" and the name of its caption or of the heading before it, so that keyboard
      users can reach it and scroll it with the arrow keys (WCAG 2.1.1). Checked again when the
      window changes size; a table that fits loses the tab stop again.
   2. A page that waits for a job (an element with data-wait, the job's status) asks the
      server every 3 seconds and reloads only when the status has changed. A timed refresh of
      the whole page (<meta http-equiv="refresh">) would move a screen reader's reading
      position back to the top every 3 seconds (WCAG 2.2.1). */
(function () {
  "use strict";

  var named = 0;

  function heading(table) {
    for (var el = table.previousElementSibling; el; el = el.previousElementSibling) {
      if (/^H[1-6]$/.test(el.tagName)) { return el; }
    }
    return null;
  }

  function scrollers() {
    var tables = document.querySelectorAll("main table");
    Array.prototype.forEach.call(tables, function (table) {
      var scrolls = table.scrollWidth > table.clientWidth + 1;
      if (scrolls && !table.hasAttribute("tabindex")) {
        table.setAttribute("tabindex", "0");
        table.setAttribute("data-scrolls", "");
        var label = table.caption || heading(table);
        if (label && !table.hasAttribute("aria-label") && !table.hasAttribute("aria-labelledby")) {
          if (!label.id) { named += 1; label.id = "table-name-" + named; }
          table.setAttribute("aria-labelledby", label.id);
        }
      } else if (!scrolls && table.hasAttribute("data-scrolls")) {
        table.removeAttribute("tabindex");
        table.removeAttribute("data-scrolls");
      }
    });
  }

  function waitForJob(status) {
    var before = status.getAttribute("data-wait");
    function look() {
      fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var now = doc.querySelector("[data-wait]");
          if (html && (!now || now.getAttribute("data-wait") !== before)) {
            window.location.reload();
          } else {
            window.setTimeout(look, 3000);
          }
        })
        .catch(function () { window.setTimeout(look, 3000); });
    }
    window.setTimeout(look, 3000);
  }

  scrollers();
  window.addEventListener("resize", scrollers);
  var status = document.querySelector("[data-wait]");
  if (status && window.fetch && window.DOMParser) { waitForJob(status); }
}());
