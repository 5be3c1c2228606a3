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
  button.addEventListener('click', function () {
    var popup = window.open('', '_blank');
    ScormCloud.post(runtime, element, 'preview', {}).then(function (body) {
      popup.location = body.launch_url;
    }).catch(function (error) {
      popup.close();
      ScormCloud.showMessage(root, error.message, true);
    });
  });
}
