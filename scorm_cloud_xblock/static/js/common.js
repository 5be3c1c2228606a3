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

  return {csrfToken: csrfToken, post: post, showMessage: showMessage, setField: setField};
}());
window.ScormCloud = ScormCloud;
