/* samen: small progressive enhancements on every page (the pages work without them).

   1. A table wider than the screen scrolls inside itself, or inside its box (a div.scroll
      around it: samen.css); the element that scrolls gets tabindex="0" and the name of the
      table's caption or of the heading before it (a box also the role "region", which may
      have a name), so that keyboard users can reach it and scroll it with the arrow keys
      (WCAG 2.1.1). Checked again when the window changes size; one that fits loses the tab
      stop again.
   2. A page that waits for a job (an element with data-wait, the job's status) asks the
      server every 3 seconds and reloads only when the status has changed. A timed refresh of
      the whole page (<meta http-equiv="refresh">) would move a screen reader's reading
      position back to the top every 3 seconds (WCAG 2.2.1). */
(function () {
  "use strict";

  var named = 0;

  function heading(box) {
    for (var el = box.previousElementSibling; el; el = el.previousElementSibling) {
      if (/^H[1-6]$/.test(el.tagName)) { return el; }
    }
    return null;
  }

  function scrollers() {
    var tables = document.querySelectorAll("main table");
    Array.prototype.forEach.call(tables, function (table) {
      var parent = table.parentElement;
      var box = parent && parent.classList.contains("scroll") ? parent : table;
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-scrolls", "");
        if (box !== table) { box.setAttribute("role", "region"); }
        var label = table.caption || heading(box);
        if (label && !box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
          if (!label.id) { named += 1; label.id = "table-name-" + named; }
          box.setAttribute("aria-labelledby", label.id);
        }
      } else if (!scrolls && box.hasAttribute("data-scrolls")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scrolls");
        if (box !== table) {
          box.removeAttribute("role");
          box.removeAttribute("aria-labelledby");
        }
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
