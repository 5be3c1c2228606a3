/* Shared by the SCORM Cloud block's views: JSON calls to the block's handlers. */
var ScormCloud = window.ScormCloud || (function () {
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : '';
  }

  function post(runtime, element, handler, data) {
    return fetch(runtime.handlerUrl(element, handler), {
      method: 'POST',
      credentials: 'same-origin',
      headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrfToken()},
      body: JSON.stringify(data || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) {
          throw new Error(body.error || body.message || ('The server answered ' + response.status + '.'));
        }
        return body;
      });
    });
  }

  function showMessage(root, text, isError) {
    var box = root.querySelector('.scorm-cloud-message');
    box.textContent = text || '';
    box.hidden = !text;
    box.classList.toggle('is-error', !!isError);
  }

  function setField(root, name, value) {
    var node = root.querySelector('[data-field="' + name + '"]');
    if (node) { node.textContent = value; }
  }

  // Authors only: whether this site's SCORM Cloud app holds the linked course (OLX from another site,
  // or a course deleted there). Asked once when the view opens; a failure to ask is not shown.
  function checkCourse(runtime, element, root) {
    var box = root.querySelector('.scorm-cloud-course-check');
    return post(runtime, element, 'check_course', {}).then(function (body) {
      box.textContent = body.status === 'MISSING' ? body.message : '';
      box.hidden = body.status !== 'MISSING';
      return body;
    }).catch(function () { return null; });
  }

  return {csrfToken: csrfToken, post: post, showMessage: showMessage, setField: setField, checkCourse: checkCourse};
}());
window.ScormCloud = ScormCloud;
