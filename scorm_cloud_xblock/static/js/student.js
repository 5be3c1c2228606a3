/* Learner view: shows stored progress at once, registers lazily, launches with a fresh link per click. */
function ScormCloudStudent(runtime, element, state) {
  var root = element.jquery ? element[0] : element;
  var button = root.querySelector('.scorm-cloud-launch');
  var frame = root.querySelector('.scorm-cloud-frame');

  function statusText(p) {
    var words = {COMPLETED: 'Completed', INCOMPLETE: 'In progress'};
    var text = words[p.completion] || 'Not started';
    if (p.success === 'PASSED') { text += ', passed'; }
    if (p.success === 'FAILED') { text += ', failed'; }
    return text;
  }

  function timeText(seconds) {
    seconds = Math.round(seconds || 0);
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return (h ? h + ' h ' : '') + (h || m ? m + ' min ' : '') + s + ' s';
  }

  function render(p) {
    state.progress = p;
    ScormCloud.setField(root, 'status', statusText(p));
    ScormCloud.setField(root, 'score', p.score === null || p.score === undefined ? '—' : Math.round(p.score) + '%');
    ScormCloud.setField(root, 'time', timeText(p.total_seconds));
    button.textContent = state.staff_preview ? 'Preview' :
      (p.completion === 'COMPLETED' ? 'Review' : (p.completion === 'INCOMPLETE' ? 'Resume' : 'Launch'));
    // The status is the current attempt's (a new course version, or a new registration after the
    // old one was deleted in SCORM Cloud); what an earlier attempt earned is kept.
    var earlier = root.querySelector('.scorm-cloud-earlier');
    if (p.earlier && (p.earlier.completed || p.earlier.best_score !== null)) {
      earlier.textContent = (p.earlier.completed ? 'You completed this course in an earlier attempt' :
        'You took this course in an earlier attempt') +
        (p.earlier.best_score !== null ? ' (best score ' + Math.round(p.earlier.best_score) + '%)' : '') +
        '. Your grade and completion from it are kept.';
      earlier.hidden = false;
    } else {
      earlier.hidden = true;
    }
    button.disabled = !state.has_course;
  }

  function fail(error) { ScormCloud.showMessage(root, error.message, true); button.disabled = !state.has_course; }

  function refresh() {
    return ScormCloud.post(runtime, element, 'progress', {refresh: true}).then(render).catch(fail);
  }

  // Set when this page navigates to the player (same window): Back may bring the page back as it was.
  var leftForPlayer = false;

  function launch() {
    button.disabled = true;
    ScormCloud.showMessage(root, 'Opening the course…');
    // A window opened in the click itself is not blocked; it is pointed at the link once we have it.
    var popup = state.launch_mode === 'new_window' ? window.open('', '_blank') : null;
    ScormCloud.post(runtime, element, 'launch', {
      return_url: window.location.href, embedded: state.launch_mode === 'embedded'
    }).then(function (body) {
      if (!body.launch_url) { throw new Error('The course could not be opened. Reload the page and try again.'); }
      ScormCloud.showMessage(root, '');
      if (popup) {
        popup.location = body.launch_url;
        button.disabled = false;
      } else if (state.launch_mode === 'embedded') {
        frame.hidden = false;
        frame.querySelector('iframe').src = body.launch_url;
      } else {
        leftForPlayer = true;
        window.location.assign(body.launch_url);
      }
    }).catch(function (error) { if (popup) { popup.close(); } fail(error); });
  }

  button.addEventListener('click', launch);
  // The embedded player comes back through the return handler, which tells us it is done. Only this
  // block's own frame counts: another block's player on the same page says the same words.
  window.addEventListener('message', function (event) {
    var iframe = frame.querySelector('iframe');
    if (event.source !== iframe.contentWindow || event.origin !== window.location.origin ||
        event.data !== 'scorm-cloud:returned') {
      return;
    }
    frame.hidden = true;
    iframe.src = 'about:blank';
    refresh();
  });
  // Back from the player: the browser may restore this page from its back-forward cache, as it was
  // when it left (button disabled, "Opening the course…"). Make Launch usable again, and ask for the
  // status, which the learner may have changed meanwhile.
  window.addEventListener('pageshow', function (event) {
    if (!event.persisted || !leftForPlayer) { return; }
    leftForPlayer = false;
    ScormCloud.showMessage(root, '');
    render(state.progress);
    if (!state.staff_preview) { refresh(); }
  });
  if (state.launch_mode === 'new_window') {
    window.addEventListener('focus', function () { if (state.launched) { refresh(); } });
    button.addEventListener('click', function () { state.launched = true; });
  }

  // Staff: pull every learner's progress from SCORM Cloud, a page per call; a failure keeps the
  // counts so far and the next click resumes where it stopped.
  function setUpReconcile() {
    var staff = root.querySelector('.scorm-cloud-staff');
    var reconcileButton = root.querySelector('.scorm-cloud-reconcile');
    var result = root.querySelector('.scorm-cloud-reconcile-result');
    var totals = null, resumeFrom = null;

    function summary() {
      return 'Checked ' + totals.checked + ' learners: ' + totals.updated + ' updated, ' +
        totals.unchanged + ' unchanged, ' + totals.failed + ' failed.';
    }

    function page(more) {
      return ScormCloud.post(runtime, element, 'reconcile', more ? {more: more} : {}).then(function (body) {
        ['checked', 'updated', 'unchanged', 'failed'].forEach(function (name) { totals[name] += body[name]; });
        resumeFrom = body.more;
        result.textContent = summary() + (body.more ? ' Working…' : '');
        return body.more ? page(body.more) : null;
      });
    }

    staff.hidden = false;
    reconcileButton.addEventListener('click', function () {
      if (!resumeFrom) { totals = {checked: 0, updated: 0, unchanged: 0, failed: 0}; }
      reconcileButton.disabled = true;
      result.textContent = 'Asking SCORM Cloud…';
      page(resumeFrom).then(function () {
        result.textContent = summary();
      }).catch(function (error) {
        result.textContent = summary() + ' Stopped: ' + error.message + ' Click again to continue.';
      }).then(function () { reconcileButton.disabled = false; });
    });
  }

  if (state.is_staff && state.has_course) { setUpReconcile(); }
  render(state.progress);
  if (!state.has_course) {
    ScormCloud.showMessage(root, 'This course is not available yet.');
  } else if (state.register_on_view) {
    ScormCloud.post(runtime, element, 'register', {}).then(render).catch(fail);
  } else if (state.needs_refresh) {
    refresh();
  }
}
