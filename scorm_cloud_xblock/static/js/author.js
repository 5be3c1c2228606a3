/* Studio preview: the linked course and an untracked preview launch (no registration). */
function ScormCloudAuthor(runtime, element, state) {
  var root = element.jquery ? element[0] : element;
  var course = state.course;
  ScormCloud.setField(root, 'title', course.title || 'No course imported yet');
  ScormCloud.setField(root, 'standard', course.learning_standard || '—');
  ScormCloud.setField(root, 'status', course.id ? 'Ready (version ' + course.version + ')' : 'Edit this component to import a package');
  var button = root.querySelector('.scorm-cloud-preview');
  button.disabled = !course.id;
  if (course.id) { ScormCloud.checkCourse(runtime, element, root); }
  // The preview opens in a window opened in the click itself (a later one would be blocked), then
  // pointed at the link once we have it. If pop-ups are blocked anyway, the author gets the link.
  function offerLink(url) {
    ScormCloud.showMessage(root, 'Your browser blocked the preview window. Allow pop-ups for this site and ' +
      'click Preview again, or use this link: ', true);
    var link = document.createElement('a');
    link.className = 'scorm-cloud-preview-link';
    link.href = url;
    link.target = '_blank';
    link.rel = 'noopener';
    link.textContent = 'Open the preview';
    root.querySelector('.scorm-cloud-message').appendChild(link);
  }

  button.addEventListener('click', function () {
    var popup = window.open('', '_blank');
    button.disabled = true;
    ScormCloud.showMessage(root, popup ? '' : 'Getting the preview link…');
    ScormCloud.post(runtime, element, 'preview', {}).then(function (body) {
      if (!body.launch_url) { throw new Error('SCORM Cloud gave no preview link. Reload the page and try again.'); }
      if (popup) { popup.location = body.launch_url; } else { offerLink(body.launch_url); }
    }).catch(function (error) {
      if (popup) { popup.close(); }
      ScormCloud.showMessage(root, error.message, true);
    }).then(function () { button.disabled = false; });
  });
}
