/* Reorder the list of schools by dragging or with the keyboard. Progressive enhancement:
   without this script the up/down buttons (plain forms) do the same.

   - Dragging a handle sends the new order with the hidden form #order-form (a page load; the
     server checks it like any other form, CSRF token included).
   - Keyboard: each school gets a handle button; on it, arrow up/down move the school. The up and
     down buttons move it in place too. The move shows at once, focus stays on the moved school
     (its handle, or the button pressed), a polite live region says where it is now, and the
     order is saved in the background with the same form (the answer is 204, or 409 when the
     server refused it: then the page reloads and shows why). The words come from the list's
     data attributes, translated in the template (the CSP allows no inline script). */
(function () {
  "use strict";
  var list = document.getElementById("ranking");
  var form = document.getElementById("order-form");
  if (!list || !form) { return; }
  var status = document.getElementById("rank-status");
  var items = function () { return Array.prototype.slice.call(list.querySelectorAll("li[data-code]")); };
  if (items().length < 2) { return; }
  var words = function (name) { return list.getAttribute("data-" + name + "-text") || ""; };
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : all;
    });
  }
  function order() {
    return items().map(function (li) { return li.getAttribute("data-code"); }).join(",");
  }
  var saved = order();

  list.classList.add("draggable");
  items().forEach(function (li) {
    var handle = document.createElement("button");
    handle.type = "button";
    handle.className = "handle";
    handle.setAttribute("aria-label", fill(words("handle"), { school: li.getAttribute("data-name") || "" }));
    handle.textContent = "\u2261";
    li.insertBefore(handle, li.firstChild);
  });

  // ---- saying where a school is now
  var said = null;
  function announce(text) {
    if (!status || !text) { return; }
    status.textContent = "";
    window.clearTimeout(said);
    said = window.setTimeout(function () { status.textContent = text; }, 60);
  }
  function renumber() {
    var all = items();
    all.forEach(function (li, k) {
      var rank = li.querySelector(".rank");
      if (rank) { rank.textContent = String(k + 1); }
      var up = li.querySelector("button[name=direction][value=up]");
      var down = li.querySelector("button[name=direction][value=down]");
      if (up) { up.disabled = k === 0; }
      if (down) { down.disabled = k === all.length - 1; }
    });
  }

  // ---- saving a keyboard move in the background
  var saving = false;
  var timer = null;
  function stale() {
    var chances = document.getElementById("chances");
    if (!chances || chances.querySelector(".stale")) { return; }
    var note = document.createElement("p");
    note.className = "notice stale";
    note.textContent = words("stale");
    chances.insertBefore(note, chances.firstChild);
  }
  function save() {
    timer = null;
    var now = order();
    if (saving || now === saved) { return; }
    saving = true;
    var data = new FormData(form);
    data.set("order", now);
    window.fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      redirect: "manual",
      headers: { "X-Samen-Fetch": "1" }
    }).then(function (r) {
      saving = false;
      if (r.status !== 204) { window.location.reload(); return; }
      saved = now;
      stale();
      if (order() !== saved) { schedule(); }
    }, function () { window.location.reload(); });
  }
  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(save, 400);
  }

  // ---- moving one place up or down
  function move(li, delta, keep) {
    var all = items();
    var i = all.indexOf(li);
    var j = i + delta;
    if (i < 0 || j < 0 || j >= all.length) { return; }
    if (li.hasAttribute("data-fixed") || all[j].hasAttribute("data-fixed")) {
      announce(words("fixed")); // the school of a pledge group stays first
      return;
    }
    list.insertBefore(li, delta < 0 ? all[j] : all[j].nextSibling);
    renumber();
    var target = keep && !keep.disabled ? keep : li.querySelector(".handle");
    if (target) { target.focus(); }
    announce(fill(words("moved"), { school: li.getAttribute("data-name") || "", n: j + 1, total: all.length }));
    schedule();
  }
  list.addEventListener("keydown", function (e) {
    var handle = e.target.closest && e.target.closest(".handle");
    if (!handle || (e.key !== "ArrowUp" && e.key !== "ArrowDown")) { return; }
    e.preventDefault();
    move(handle.closest("li"), e.key === "ArrowUp" ? -1 : 1, handle);
  });
  list.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("button[name=direction]");
    if (!button) { return; }
    e.preventDefault();
    move(button.closest("li"), button.value === "up" ? -1 : 1, button);
  });

  // ---- dragging with a pointer
  if (!window.PointerEvent) { return; }
  var dragging = null;
  var before = "";
  list.addEventListener("pointerdown", function (e) {
    var handle = e.target.closest(".handle");
    if (!handle) { return; }
    dragging = handle.closest("li");
    before = order();
    dragging.classList.add("dragging");
    handle.setPointerCapture(e.pointerId);
    e.preventDefault();
  });
  list.addEventListener("pointermove", function (e) {
    if (!dragging) { return; }
    var over = document.elementFromPoint(e.clientX, e.clientY);
    var li = over && over.closest("#ranking li[data-code]");
    if (!li || li === dragging) { return; }
    var box = li.getBoundingClientRect();
    if (e.clientY < box.top + box.height / 2) {
      list.insertBefore(dragging, li);
    } else {
      list.insertBefore(dragging, li.nextSibling);
    }
  });
  function drop() {
    if (!dragging) { return; }
    dragging.classList.remove("dragging");
    dragging = null;
    var now = order();
    if (now !== before) {
      window.clearTimeout(timer);
      form.querySelector("input[name=order]").value = now;
      form.submit();
    }
  }
  list.addEventListener("pointerup", drop);
  list.addEventListener("pointercancel", drop);
}());
