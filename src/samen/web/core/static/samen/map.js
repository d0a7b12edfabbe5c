/* The map of a round's schools (Leaflet, served by the platform). Progressive enhancement:
   the page lists every school with its address and link without this script; the map only
   adds to it. The data come from the round's map.json: "geo" rounds are placed by latitude
   and longitude (on tiles when the site has them), "plane" rounds by x,y in metres on a plain
   background (CRS.Simple, scaled to the schools). No HTML is built from the data: names and
   addresses are set as text. */
(function () {
  "use strict";
  var box = document.getElementById("school-map");
  if (!box || typeof window.L === "undefined" || !window.fetch) { return; }
  var L = window.L;

  function show(id) {
    var el = document.getElementById(id);
    if (el) { el.hidden = false; }
  }

  function popup(s) {
    var div = document.createElement("div");
    var link = document.createElement("a");
    link.href = s.url;
    link.textContent = s.name;
    var title = document.createElement("strong");
    title.appendChild(link);
    div.appendChild(title);
    [s.address, s.seats].forEach(function (text) {
      if (!text) { return; }
      var p = document.createElement("p");
      p.textContent = text;
      div.appendChild(p);
    });
    return div;
  }

  function draw(data) {
    if (!data.schools || !data.schools.length) { return; }
    var geo = data.kind === "geo";
    box.hidden = false;
    show("map-note");
    var options = geo ? {} : { crs: L.CRS.Simple, minZoom: -20, maxZoom: 4, zoomSnap: 0.25 };
    var map = L.map(box, options);
    map.attributionControl.setPrefix(false);
    if (geo && data.tiles) {
      L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution, maxZoom: 19 }).addTo(map);
      show("map-attribution");
    }
    var points = data.schools.map(function (s) {
      var at = geo ? [s.lat, s.lon] : [s.y, s.x];
      L.marker(at, { title: s.name, alt: s.name, keyboard: true }).bindPopup(popup(s)).addTo(map);
      return at;
    });
    if (points.length === 1) {
      map.setView(points[0], geo ? 15 : 0);
    } else {
      map.fitBounds(L.latLngBounds(points), { padding: [40, 40] });
    }
  }

  fetch(box.getAttribute("data-src"), {
    credentials: "same-origin",
    headers: { Accept: "application/json" }
  }).then(function (r) {
    if (!r.ok) { throw new Error("map data: " + r.status); }
    return r.json();
  }).then(draw).catch(function () {
    box.hidden = true;  /* the list below says everything the map would */
  });
}());
