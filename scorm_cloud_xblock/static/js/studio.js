/* Studio editor: import (upload, URL or existing course), import progress, and the block's settings. */
function ScormCloudStudio(runtime, element, state) {
  var root = element.jquery ? element[0] : element;
  var progressBar = root.querySelector('.scorm-cloud-upload-progress');
  var labels = {
    display_name: 'Display name', has_score: 'Scored', weight: 'Problem weight', launch_mode: 'Launch mode',
    grading_rule: 'Grading rule', completion_rule: 'Completion rule',
    register_on: 'Create the SCORM Cloud registration', send_email: "Send the learner's email to SCORM Cloud"
  };

  function showCourse(course) {
    ScormCloud.setField(root, 'title', course.title || 'No course imported yet');
    ScormCloud.setField(root, 'standard', course.learning_standard || '—');
    ScormCloud.setField(root, 'version', course.version === null || course.version === undefined ? '—' : course.version);
    var note = root.querySelector('.scorm-cloud-course-note');
    note.textContent = course.note || '';
    note.hidden = !course.note;
    var list = root.querySelector('.scorm-cloud-warnings');
    list.innerHTML = '';
    (course.warnings || []).forEach(function (warning) {
      var item = document.createElement('li');
      item.textContent = warning;
      list.appendChild(item);
    });
  }

  function say(text, isError) { ScormCloud.showMessage(root, text, isError); }

  function poll() {
    ScormCloud.post(runtime, element, 'import_status', {}).then(function (job) {
      if (job.status === 'RUNNING') {
        say('SCORM Cloud is importing the package…');
        setTimeout(poll, 1500);
        return;
      }
      showCourse(job);
      if (job.status === 'ERROR') {
        say('The import failed: ' + (job.message || 'SCORM Cloud gave no reason.'), true);
      } else if (job.status === 'COMPLETE') {
        ScormCloud.checkCourse(runtime, element, root);
        say('Imported "' + job.title + '" (' + job.learning_standard + ', version ' + job.version + ').');
      }
    }).catch(function (error) { say(error.message, true); });
  }

  root.querySelector('.scorm-cloud-upload').addEventListener('submit', function (event) {
    event.preventDefault();
    var file = event.target.querySelector('input[type=file]').files[0];
    if (!file) { say('Choose a SCORM package (.zip) to upload.', true); return; }
    var form = new FormData();
    form.append('package', file);
    var xhr = new XMLHttpRequest();
    xhr.open('POST', runtime.handlerUrl(element, 'import_package'));
    xhr.setRequestHeader('X-CSRFToken', ScormCloud.csrfToken());
    progressBar.hidden = false;
    progressBar.value = 0;
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { progressBar.value = Math.round(100 * e.loaded / e.total); }
    };
    xhr.onload = function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (ignored) { /* shown below */ }
      progressBar.hidden = true;
      if (xhr.status >= 200 && xhr.status < 300) { poll(); } else {
        say(body.message || body.error || ('The upload failed (' + xhr.status + ').'), true);
      }
    };
    xhr.onerror = function () { progressBar.hidden = true; say('The upload was interrupted.', true); };
    say('Uploading ' + file.name + '…');
    xhr.send(form);
  });

  root.querySelector('.scorm-cloud-url').addEventListener('submit', function (event) {
    event.preventDefault();
    ScormCloud.post(runtime, element, 'import_url', {url: event.target.url.value})
      .then(poll).catch(function (error) { say(error.message, true); });
  });

  root.querySelector('.scorm-cloud-load-courses').addEventListener('click', function () {
    var select = root.querySelector('.scorm-cloud-link select');
    ScormCloud.post(runtime, element, 'cloud_courses', {}).then(function (body) {
      select.innerHTML = '';
      body.courses.forEach(function (course) {
        var option = document.createElement('option');
        option.value = course.id;
        option.textContent = course.title + ' (' + course.learning_standard + ', v' + course.version + ')';
        select.appendChild(option);
      });
      if (!body.courses.length) { say('The SCORM Cloud app has no courses yet.'); }
    }).catch(function (error) { say(error.message, true); });
  });

  root.querySelector('.scorm-cloud-link').addEventListener('submit', function (event) {
    event.preventDefault();
    ScormCloud.post(runtime, element, 'link_course', {course_id: event.target.course_id.value}).then(function (course) {
      showCourse(course);
      ScormCloud.checkCourse(runtime, element, root);
      say('Linked "' + course.title + '".');
    }).catch(function (error) { say(error.message, true); });
  });

  // Settings, saved through StudioEditableXBlockMixin's submit_studio_edits.
  var fieldList = root.querySelector('.scorm-cloud-fields');
  Object.keys(labels).forEach(function (name) {
    var value = state.fields[name];
    var item = document.createElement('li');
    item.className = 'field comp-setting-entry';
    var label = document.createElement('label');
    label.className = 'label setting-label';
    label.textContent = labels[name] + ' ';
    var input;
    if (state.choices[name]) {
      input = document.createElement('select');
      state.choices[name].forEach(function (choice) {
        var option = document.createElement('option');
        option.value = choice.value;
        option.textContent = choice.display_name;
        input.appendChild(option);
      });
      input.value = value;
    } else if (typeof value === 'boolean') {
      input = document.createElement('input');
      input.type = 'checkbox';
      input.checked = value;
    } else {
      input = document.createElement('input');
      input.type = typeof value === 'number' ? 'number' : 'text';
      if (input.type === 'number') { input.step = '0.1'; input.min = '0'; }
      input.value = value;
    }
    input.name = name;
    label.appendChild(input);
    item.appendChild(label);
    fieldList.appendChild(item);
  });

  root.querySelector('.scorm-cloud-save').addEventListener('click', function () {
    var values = {};
    Object.keys(labels).forEach(function (name) {
      var input = fieldList.querySelector('[name="' + name + '"]');
      values[name] = input.type === 'checkbox' ? input.checked : (input.type === 'number' ? parseFloat(input.value) : input.value);
    });
    if (runtime.notify) { runtime.notify('save', {state: 'start'}); }
    ScormCloud.post(runtime, element, 'submit_studio_edits', {values: values, defaults: []}).then(function () {
      say('Settings saved.');
      if (runtime.notify) { runtime.notify('save', {state: 'end'}); }
    }).catch(function (error) {
      say(error.message, true);
      if (runtime.notify) { runtime.notify('error', {title: 'Unable to save', message: error.message}); }
    });
  });
  root.querySelector('.scorm-cloud-cancel').addEventListener('click', function () {
    if (runtime.notify) { runtime.notify('cancel', {}); }
  });

  showCourse(state.course);
  if (state.import_job_id) { poll(); } else if (state.course.id) { ScormCloud.checkCourse(runtime, element, root); }
}
