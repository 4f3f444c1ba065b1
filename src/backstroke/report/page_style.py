"""report.html's style sheet and its two scripts: one shows a figure that failed to
display (and any script error) in a box at the top, one checks every figure rendered."""

CSS = """
:root { --fg:#222; --muted:#666; --line:#e3e3e3; --good:#1d7a34; --warn:#a66300; --bad:#b3261e; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;
  color: var(--fg); margin: 0 auto; max-width: 1440px; padding: 0 20px 40px; line-height: 1.4; }
header { border-bottom: 1px solid var(--line); padding: 16px 0 8px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 28px 0 4px; border-bottom: 1px solid var(--line);
  padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
small { color: var(--muted); font-weight: normal; }
.sub { color: var(--muted); margin: 0 0 8px; }
nav { font-size: 14px; margin: 8px 0; }
nav a { color: #1f5fbf; text-decoration: none; }
.what { color: #444; font-size: 14px; margin: 4px 0 8px; max-width: 1100px; }
.verdicts { list-style: none; padding: 0; margin: 8px 0; display: flex; flex-wrap: wrap; gap: 8px; }
.verdicts li { padding: 4px 10px; border-radius: 12px; font-size: 14px; border: 1px solid; }
.verdicts .good { color: var(--good); border-color: #a8d5b3; background: #f0f9f2; }
.verdicts .warn { color: var(--warn); border-color: #f0cf9c; background: #fff8ec; }
.verdicts .bad { color: var(--bad); border-color: #f0b0ab; background: #fdf0ef; }
.cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 24px; }
table { border-collapse: collapse; font-size: 14px; margin: 4px 0 8px; }
table.kv th { text-align: left; font-weight: 600; padding: 3px 14px 3px 0; vertical-align: top; }
table.kv td { padding: 3px 0; }
table.grid th, table.grid td { border-bottom: 1px solid var(--line); padding: 4px 10px;
  text-align: left; }
table.grid thead th { background: #f6f6f6; }
.figure { border: 1px solid var(--line); border-radius: 6px; padding: 4px; }
#report-errors { color: var(--bad); border: 1px solid var(--bad); padding: 8px 12px;
  margin: 12px 0; border-radius: 6px; }
footer { color: var(--muted); font-size: 12px; margin-top: 32px; border-top: 1px solid var(--line);
  padding-top: 8px; }
@media print { nav { display: none; } section { break-inside: avoid; } }
"""

ERROR_SCRIPT = """<div id="report-errors" hidden><b>Part of this report failed to display:</b>
<ul></ul></div>
<script>
(function () {
  var box = document.getElementById('report-errors');
  function add(msg) {
    box.hidden = false;
    var li = document.createElement('li');
    li.textContent = msg;
    box.querySelector('ul').appendChild(li);
  }
  window.backstrokeReportError = add;
  window.addEventListener('error', function (ev) { add(String(ev.message || ev)); });
  window.addEventListener('unhandledrejection', function (ev) {
    add('unhandled: ' + String(ev.reason));
  });
})();
</script>"""

CHECK_SCRIPT = """<script>
window.addEventListener('load', function () {
  var divs = document.querySelectorAll('.plotly-graph-div');
  divs.forEach(function (d) {
    if (!d.querySelector('.main-svg')) {
      window.backstrokeReportError('figure ' + d.id + ' did not render');
    }
  });
  document.body.setAttribute('data-figures', String(divs.length));
});
</script>"""
