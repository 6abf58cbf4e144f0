"""The HTML report's inline style and script: the page loads nothing from the network."""

from __future__ import annotations

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; color: #1d1f21; }
h1 { font-size: 1.5rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; }
code, pre { font: 12.5px/1.4 ui-monospace, monospace; }
pre { background: #f6f8fa; padding: .5rem .75rem; overflow-x: auto; }
.sev { display: inline-block; min-width: 4.5rem; font-weight: 600; }
.error { color: #b42318; } .warning { color: #b54708; } .info { color: #175cd3; }
.finding { border-left: 4px solid #ddd; padding: .25rem .75rem; margin: .75rem 0; }
.finding.error { border-color: #b42318; } .finding.warning { border-color: #f79009; }
.finding.info { border-color: #2e90fa; } .finding > div { color: #1d1f21; }
.frame { margin: .25rem 0; } .frame > span { display: block; min-height: 1.4em; }
.frame .hit { background: #fff3c4; }
.frame .no { color: #888; user-select: none; }
.fix { color: #067647; } .filters label { margin-right: 1rem; } .hidden { display: none; }
.notes li { color: #555; }
"""

# Severity filters: a checkbox per severity hides or shows its findings and recounts them.
SCRIPT = """
(function () {
  var boxes = document.querySelectorAll('.filters input');
  var rows = document.querySelectorAll('.finding');
  var count = document.getElementById('shown');
  function update() {
    var on = {}, shown = 0;
    boxes.forEach(function (b) { on[b.value] = b.checked; });
    rows.forEach(function (r) {
      var visible = on[r.dataset.severity] !== false;
      r.classList.toggle('hidden', !visible);
      if (visible) { shown += 1; }
    });
    count.textContent = shown + ' of ' + rows.length + ' findings shown';
  }
  boxes.forEach(function (b) { b.addEventListener('change', update); });
  update();
  document.body.dataset.ready = 'true';
})();
"""
