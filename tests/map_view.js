// Runs in a page (or a notebook's iframe) holding one Leaflet map: what the reader sees in the current view.
// For each place drawn: how many sample points of it lie in view (inside its shape), and how many of those
// are under a control (the legend, the layer control, the zoom buttons, the title), by hit-testing the page.
// Also the labels of the layer control and of the legend.
const out = {error: null};
if (typeof L === "undefined") { out.error = "Leaflet not loaded"; return out; }
let map = null;
for (const key of Object.keys(window)) {
    let v; try { v = window[key]; } catch (e) { continue; }
    if (v instanceof L.Map) { map = v; break; }
}
if (!map) { out.error = "no map"; return out; }
const box = map.getContainer().getBoundingClientRect();
const view = map.getBounds();
out.size = [box.width, box.height];
out.zoom = map.getZoom();
out.view = [[view.getSouth(), view.getWest()], [view.getNorth(), view.getEast()]];
// Boxes that draw over the map but let the mouse through are made hit-testable while we look.
const overlays = [...document.querySelectorAll(".geo-title, .geo-map-title, .geo-notice")];
overlays.forEach(e => e.style.pointerEvents = "auto");
const controlOf = el => el && el.closest && el.closest(".leaflet-control, .geo-title, .geo-map-title, .geo-notice, .geo-legend");
const places = [];
const seen = new Set();
function walk(layer) {
    if (seen.has(layer)) return; seen.add(layer);
    if (layer instanceof L.LayerGroup) { layer.eachLayer(walk); return; }
    if (!layer.feature || (layer.options || {}).pane === "geo-basemap" || !layer._path) return;
    if (layer.feature.properties.mentions === 0) return;  // an aggregate map's unmentioned country
    places.push(layer);
}
map.eachLayer(walk);
function samples(layer) {
    const pts = [];
    if (layer instanceof L.CircleMarker) {
        const p = map.latLngToContainerPoint(layer.getLatLng());
        return [[p.x, p.y]];
    }
    if (layer instanceof L.Polygon) {
        const b = layer.getBounds();
        const p0 = map.latLngToContainerPoint(b.getNorthWest()), p1 = map.latLngToContainerPoint(b.getSouthEast());
        const x0 = Math.max(0, p0.x), x1 = Math.min(box.width, p1.x), y0 = Math.max(0, p0.y), y1 = Math.min(box.height, p1.y);
        if (x1 <= x0 || y1 <= y0) return [];
        const n = 24;
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) pts.push([x0 + (i + 0.5) * (x1 - x0) / n, y0 + (j + 0.5) * (y1 - y0) / n]);
        return pts;
    }
    // lines: points along every segment
    const flat = L.LineUtil.isFlat(layer.getLatLngs()) ? [layer.getLatLngs()] : layer.getLatLngs();
    for (const part of flat) {
        for (let k = 0; k + 1 < part.length; k++) {
            const a = map.latLngToContainerPoint(part[k]), b = map.latLngToContainerPoint(part[k + 1]);
            for (let t = 0; t <= 1; t += 0.25) pts.push([a.x + t * (b.x - a.x), a.y + t * (b.y - a.y)]);
        }
    }
    return pts;
}
out.places = places.map(layer => {
    const name = layer.feature.properties.tip || layer.feature.properties.name || "";
    let inView = 0, covered = 0, by = null;
    for (const [x, y] of samples(layer)) {
        if (x < 0 || y < 0 || x >= box.width || y >= box.height) continue;
        if (!(layer instanceof L.CircleMarker) && !layer._containsPoint(map.containerPointToLayerPoint([x, y]))) continue;
        inView += 1;
        const control = controlOf(document.elementFromPoint(box.left + x, box.top + y));
        if (control) { covered += 1; by = by || control.className; }
    }
    const kind = layer instanceof L.CircleMarker ? "point" : layer instanceof L.Polygon ? "area" : "line";
    // A place is seen when part of it is in view and not under a control; a circle, when its centre is.
    return {name: new DOMParser().parseFromString(name, "text/html").body.textContent, kind, inView, covered, by,
            seen: inView > covered, underControl: kind === "point" ? covered > 0 : inView > 0 && covered === inView};
});
overlays.forEach(e => e.style.pointerEvents = "");
out.layerNames = [...document.querySelectorAll(".leaflet-control-layers-list label")].map(e => e.textContent.trim());
out.legendRows = [...document.querySelectorAll(".geo-legend-row")].map(e => e.textContent.trim());
// The legend names the places it leaves out of the opening view ("Also mentioned, farther away: ...").
const note = [...document.querySelectorAll(".geo-legend-note")].find(e => e.textContent.includes("farther away"));
out.fartherAway = note ? note.textContent : "";
return out;
