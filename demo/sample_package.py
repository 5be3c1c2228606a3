"""
The demo's own SCORM 1.2 package: one page, two questions, written by the project.

It calls the SCORM 1.2 runtime the usual way (LMSInitialize, lesson_status, score, session_time,
LMSFinish) so the demo shows the whole journey without third-party content.
"""
import io
import zipfile

TITLE = "SCORM Cloud demo: a two-question quiz"

MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="org.openedx.scormcloud.demo" version="1"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="demo_org">
    <organization identifier="demo_org">
      <title>{TITLE}</title>
      <item identifier="quiz_item" identifierref="quiz_resource"><title>Quiz</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="quiz_resource" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <file href="index.html"/>
    </resource>
  </resources>
</manifest>
"""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Demo quiz</title>
<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}fieldset{margin:1em 0}</style>
</head><body>
<h1>A two-question quiz</h1>
<form id="quiz">
  <fieldset><legend>1. Which organisation publishes SCORM?</legend>
    <label><input type="radio" name="q1" value="adl"> ADL</label>
    <label><input type="radio" name="q1" value="w3c"> W3C</label></fieldset>
  <fieldset><legend>2. What does SCORM Cloud send an LMS when progress changes?</legend>
    <label><input type="radio" name="q2" value="postback"> A postback</label>
    <label><input type="radio" name="q2" value="fax"> A fax</label></fieldset>
  <button type="submit" id="submit">Submit answers</button>
</form>
<p id="result" role="status"></p>
<button type="button" id="exit">Exit</button>
<script>
function findAPI(win) {
  for (var depth = 0; win && depth < 10; depth++) {
    if (win.API) { return win.API; }
    if (win.parent === win) { break; }
    win = win.parent;
  }
  return window.opener && window.opener.API ? window.opener.API : null;
}
var api = findAPI(window), started = new Date(), finished = false;
if (api) {
  api.LMSInitialize("");
  if (api.LMSGetValue("cmi.core.lesson_status") === "not attempted") {
    api.LMSSetValue("cmi.core.lesson_status", "incomplete");
  }
}
function sessionTime() {
  var s = Math.round((new Date() - started) / 1000);
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  return pad(Math.floor(s / 3600)) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
}
function finish() {
  if (!api || finished) { return; }
  finished = true;
  api.LMSSetValue("cmi.core.session_time", sessionTime());
  api.LMSFinish("");
}
document.getElementById("quiz").addEventListener("submit", function (event) {
  event.preventDefault();
  var answers = {q1: "adl", q2: "postback"}, right = 0;
  Object.keys(answers).forEach(function (q) {
    var chosen = document.querySelector("input[name=" + q + "]:checked");
    if (chosen && chosen.value === answers[q]) { right++; }
  });
  var score = Math.round(100 * right / 2);
  document.getElementById("result").textContent = "You scored " + score + "%.";
  if (api) {
    api.LMSSetValue("cmi.core.score.raw", String(score));
    api.LMSSetValue("cmi.core.score.min", "0");
    api.LMSSetValue("cmi.core.score.max", "100");
    api.LMSSetValue("cmi.core.lesson_status", score >= 50 ? "passed" : "failed");
    api.LMSCommit("");
  }
});
document.getElementById("exit").addEventListener("click", finish);
window.addEventListener("beforeunload", finish);
</script>
</body></html>
"""


def build():
    """The package as zip bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("imsmanifest.xml", MANIFEST)
        package.writestr("index.html", PAGE)
    return buffer.getvalue()
