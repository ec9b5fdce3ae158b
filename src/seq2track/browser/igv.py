"""IGV desktop session (XML) and igv.js session (JSON) with its page. Paths are relative to the bundle folder."""

from __future__ import annotations

import html
import json
from xml.sax.saxutils import quoteattr

from seq2track.browser.layout import BrowserTrack

IGV_JS_VERSION = "3.8.10"  # the igv.js the page falls back to (tools/browser/package.json pins the same)
IGV_JS_CDN = f"https://cdn.jsdelivr.net/npm/igv@{IGV_JS_VERSION}/dist/igv.min.js"
FASTA, FAI, GZI = "genome.fa.gz", "genome.fa.gz.fai", "genome.fa.gz.gzi"


def _groups(tracks: list[BrowserTrack]) -> dict[str, int]:
    groups: dict[str, int] = {}
    for t in tracks:
        if t.group and t.group not in groups:
            groups[t.group] = len(groups) + 1
    return groups


def igv_desktop_session(tracks: list[BrowserTrack], locus: str, genome_id: str | None) -> str:
    """IGV desktop session XML: our FASTA (IGV finds .fai and .gzi beside it) or the browser's own genome
    id; predicted and observed of one assay adjacent and in one autoscale group; every id a unique file."""
    groups = _groups(tracks)
    resources, panel = [], []
    for t in tracks:
        resources.append(f"    <Resource name={quoteattr(t.name)} path={quoteattr(t.file)}/>")
        attrs = (f"attributeKey={quoteattr(t.name)} color={quoteattr(t.color)} fontSize=\"10\" id={quoteattr(t.file)} "
                 f"name={quoteattr(t.name)} visible=\"true\"")
        if t.is_annotation:
            panel.append(f'    <Track {attrs} clazz="org.broad.igv.track.FeatureTrack" displayMode="EXPANDED"/>')
        elif t.group:
            panel.append(f'    <Track {attrs} autoScale="false" autoscaleGroup="{groups[t.group]}" '
                         f'clazz="org.broad.igv.track.DataSourceTrack" renderer="BAR_CHART"/>')
        else:
            panel.append(f'    <Track {attrs} autoScale="true" clazz="org.broad.igv.track.DataSourceTrack" '
                         f'renderer="BAR_CHART"/>')
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
            f'<Session genome={quoteattr(genome_id or FASTA)} locus={quoteattr(locus)} '
            f'nextAutoscaleGroup="{len(groups) + 1}" version="8">\n'
            f"  <Resources>\n" + "\n".join(resources) + "\n  </Resources>\n"
            '  <Panel name="DataPanel">\n' + "\n".join(panel) + "\n  </Panel>\n</Session>\n")


def igv_js_session(tracks: list[BrowserTrack], locus: str, genome_id: str | None, genome_name: str) -> dict:
    """igv.js session: the reference with all three index files (igv.js infers none of them) or a genome id."""
    session: dict = {"locus": locus, "tracks": []}
    if genome_id:
        session["genome"] = genome_id
    else:
        session["reference"] = {"id": genome_name, "name": genome_name, "fastaURL": FASTA, "indexURL": FAI,
                                "compressedIndexURL": GZI}
    for t in tracks:
        entry = {"id": t.key, "name": t.name, "url": t.file, "color": f"rgb({t.color})"}
        if t.is_annotation:
            entry.update(type="annotation", format="bigbed", displayMode="EXPANDED")
        else:
            entry.update(type="wig", format="bigwig", height=60)
            if t.group:
                entry["autoscaleGroup"] = t.group
        session["tracks"].append(entry)
    return session


INDEX_HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>seq2track: __RUN__</title>
<link rel="icon" href="data:,">
<style>body { font-family: sans-serif; margin: 1em; } #status { color: #555; }</style>
</head>
<body>
<h3>seq2track run __RUN__: predicted vs observed</h3>
<p id="status">loading igv.js ...</p>
<div id="igv"></div>
<script>
// Serve this folder over HTTP with Range support (e.g. `python -m http.server` or any static server) and
// open index.html. igv.min.js beside this page is used when present, else igv.js from its CDN.
function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = src; s.onload = resolve; s.onerror = () => reject(new Error("cannot load " + src));
    document.head.appendChild(s);
  });
}
async function start() {
  const sessionURL = new URL("igv_session.json", document.baseURI).href;
  const session = await (await fetch(sessionURL)).json();
  const abs = (u) => new URL(u, sessionURL).href;  // relative to the session file, not the page
  if (session.reference) {
    for (const k of ["fastaURL", "indexURL", "compressedIndexURL"]) session.reference[k] = abs(session.reference[k]);
  }
  for (const t of session.tracks) t.url = abs(t.url);
  window.igvBrowser = await igv.createBrowser(document.getElementById("igv"), session);
  document.getElementById("status").textContent = session.tracks.length + " tracks at " + session.locus;
  window.seq2trackReady = true;
}
loadScript("igv.min.js").catch(() => loadScript("__CDN__")).then(start).catch((e) => {
  window.seq2trackError = String(e);
  document.getElementById("status").textContent = "error: " + e;
});
</script>
</body>
</html>
"""


def index_html(run: str) -> str:
    return INDEX_HTML.replace("__RUN__", html.escape(run)).replace("__CDN__", IGV_JS_CDN)


def igv_js_json(tracks: list[BrowserTrack], locus: str, genome_id: str | None, genome_name: str) -> str:
    return json.dumps(igv_js_session(tracks, locus, genome_id, genome_name), indent=1) + "\n"
