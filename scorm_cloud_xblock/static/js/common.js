/* Shared by the SCORM Cloud block's views: JSON calls to the block's handlers. */
var ScormCloud = window.ScormCloud || (function () {
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : '';
  }

  var NETWORK_FAILURE = 'Could not reach the server. Check your connection and try again.';

  // What an error answer says: {"error": "..."}, {"message": "..."}, or the validation of
  // StudioEditableXBlockMixin's submit_studio_edits, {"error": {"messages": [{"text": "..."}, ...]}}.
  function errorText(body, status) {
    var error = body.error !== undefined ? body.error : body.message;
    if (error && typeof error === 'object') {
      error = (error.messages || []).map(function (item) { return item && item.text; }).filter(Boolean).join(' ');
    }
    return typeof error === 'string' && error ? error : 'The server answered ' + status + '.';
  }

  // A rejection is always an Error whose message can be shown as it is, a network failure included.
  function post(runtime, element, handler, data) {
    return fetch(runtime.handlerUrl(element, handler), {
      method: 'POST',
      credentials: 'same-origin',
      headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrfToken()},
      body: JSON.stringify(data || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) { throw new Error(errorText(body || {}, response.status)); }
        return body || {};
      });
    }, function () { throw new Error(NETWORK_FAILURE); });
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
