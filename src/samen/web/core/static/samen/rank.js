/* Drag to reorder the list of schools. Progressive enhancement: without this script the
   up/down buttons (plain forms) do the same. On drop the new order is sent with the hidden
   form #order-form, so the server checks it like any other form (CSRF token included). */
(function () {
  "use strict";
  var list = document.getElementById("ranking");
  var form = document.getElementById("order-form");
  if (!list || !form || !window.PointerEvent) { return; }
  var items = list.querySelectorAll("li[data-code]");
  if (items.length < 2) { return; }
  list.classList.add("draggable");
  Array.prototype.forEach.call(items, function (li) {
    var handle = document.createElement("span");
    handle.className = "handle";
    handle.setAttribute("aria-hidden", "true");
    handle.textContent = "\u2261";
    li.insertBefore(handle, li.firstChild);
  });
  var dragging = null;
  var before = "";
  function order() {
    return Array.prototype.map.call(list.querySelectorAll("li[data-code]"), function (li) {
      return li.getAttribute("data-code");
    }).join(",");
  }
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
      form.querySelector("input[name=order]").value = now;
      form.submit();
    }
  }
  list.addEventListener("pointerup", drop);
  list.addEventListener("pointercancel", drop);
}());
