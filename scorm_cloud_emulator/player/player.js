/*
 * The emulator's player page. scorm-again is the SCORM runtime: this file only gives each SCO
 * visit a fresh API object loaded with the SCO's launch data, sends its commits to the runtime
 * endpoint, and moves between SCOs (flow and choice among the launchable leaves; no sequencing).
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("player-config").textContent);
  var is2004 = config.standard === "SCORM2004";
  var frame = document.getElementById("player-frame");
  var statusLine = document.getElementById("player-status");
  var previousButton = document.getElementById("player-previous");
  var nextButton = document.getElementById("player-next");
  var exitButton = document.getElementById("player-exit");
  // General commit failure: 391 in SCORM 2004, 101 ("general exception") in 1.2.
  var COMMIT_FAILED = is2004 ? 391 : 101;
  var FRAME_UNLOAD_TIMEOUT_MS = 5000;

  var state = {
    index: -1, // position of the current SCO in config.scos
    api: null, // the scorm-again API of the current SCO visit
    busy: false, // true while the player itself unloads or loads a SCO
    exiting: false,
    unloading: false, // the player page is going away: only beacons get through now
  };

  function showStatus(message) {
    statusLine.textContent = message;
    statusLine.hidden = !message;
  }

  /*
   * How scorm-again's commits reach the runtime endpoint. Synchronous, so Commit and Finish
   * return the real outcome to the content, except while the page is being closed: browsers
   * refuse synchronous requests then, and a beacon still gets the data out.
   */
  function PlayerHttpService() {}

  PlayerHttpService.prototype.processHttpRequest = function (url, params) {
    var body = JSON.stringify(params);
    if (!state.unloading) {
      try {
        var xhr = new XMLHttpRequest();
        xhr.open("POST", url, false);
        xhr.setRequestHeader("Content-Type", "application/json;charset=UTF-8");
        xhr.send(body);
        if (xhr.status >= 200 && xhr.status < 300) {
          return { result: "true", errorCode: 0 };
        }
        return { result: "false", errorCode: COMMIT_FAILED, errorMessage: "HTTP " + xhr.status };
      } catch (error) {
        // Synchronous requests are refused during page dismissal: fall back to a beacon.
      }
    }
    var sent = !!(navigator.sendBeacon && navigator.sendBeacon(url, new Blob([body], { type: "text/plain;charset=UTF-8" })));
    return sent ? { result: "true", errorCode: 0 } : { result: "false", errorCode: COMMIT_FAILED };
  };

  PlayerHttpService.prototype.updateSettings = function () {};

  function runtimeUrl(sco) {
    return config.runtimeUrl + encodeURIComponent(sco.id);
  }

  function createApi(sco, launchData) {
    var settings = {
      lmsCommitUrl: runtimeUrl(sco),
      dataCommitFormat: "json",
      // Commit a few seconds after the content changes something, so little is lost on a crash.
      autocommit: true,
      autocommitSeconds: 5,
      // Every commit then carries total_time = earlier sessions + this one, which rollup reads.
      alwaysSendTotalTime: true,
      // Lets the server apply what the LMS does on LMSFinish/Terminate (see rollup.apply_finish_defaults).
      terminateCommitParam: "terminate",
      httpService: new PlayerHttpService(),
      logLevel: 4,
    };
    var api = is2004 ? new window.Scorm2004API(settings) : new window.Scorm12API(settings);
    api.loadFromJSON(launchData.cmi, "cmi");
    api.on(is2004 ? "Terminate" : "LMSFinish", function () {
      finished(api);
    });
    return api;
  }

  function navigationRequest(api) {
    if (is2004) {
      return (api.adl && api.adl.nav && api.adl.nav.request) || "_none_";
    }
    return (api.nav && api.nav.event) || "_none_";
  }

  /* The content called LMSFinish/Terminate by itself: follow its navigation request. */
  function finished(api) {
    if (api !== state.api || state.busy) {
      return; // the player is moving on already (it unloaded this SCO)
    }
    var request = navigationRequest(api);
    // Leave the content's call stack (it may be inside its own unload handler) before navigating.
    window.setTimeout(function () {
      follow(request);
    }, 0);
  }

  function follow(request) {
    if (state.unloading) {
      return;
    }
    var target = /^\{target=([^}]+)\}(choice|jump)$/.exec(request);
    if (target) {
      var index = indexOf(target[1]);
      if (index >= 0) {
        goTo(index);
      }
      return;
    }
    var last = state.index === config.scos.length - 1;
    switch (request) {
      case "continue":
        return last ? exit() : goTo(state.index + 1);
      case "previous":
        return state.index > 0 ? goTo(state.index - 1) : undefined;
      case "exitAll":
      case "suspendAll":
      case "abandonAll":
        return exit();
      default:
        // No request (or exit/abandon of one SCO): the course ends when its only or last SCO does.
        if (last) {
          exit();
        }
    }
  }

  function indexOf(scoId) {
    for (var i = 0; i < config.scos.length; i++) {
      if (config.scos[i].id === scoId) {
        return i;
      }
    }
    return -1;
  }

  /* Commit what a SCO that is still open (never finished) has, without finishing it for it. */
  function saveOpenSession() {
    var api = state.api;
    if (!api) {
      return;
    }
    api.clearScheduledCommit();
    if (api.isInitialized() && !api.isTerminated()) {
      if (is2004) {
        api.Commit("");
      } else {
        api.LMSCommit("");
      }
    }
  }

  /* Take the content away so its unload handlers run (and usually call Finish), then save. */
  function unloadCurrent() {
    if (!state.api) {
      return Promise.resolve();
    }
    return new Promise(function (resolve) {
      var timer = window.setTimeout(done, FRAME_UNLOAD_TIMEOUT_MS);
      function done() {
        window.clearTimeout(timer);
        frame.removeEventListener("load", done);
        resolve();
      }
      frame.addEventListener("load", done);
      frame.src = "about:blank";
    }).then(function () {
      saveOpenSession();
      state.api = null;
    });
  }

  function launch(index) {
    var sco = config.scos[index];
    return fetch(runtimeUrl(sco), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("Could not load the progress of \u201c" + sco.title + "\u201d (HTTP " + response.status + ").");
        }
        return response.json();
      })
      .then(function (launchData) {
        var api = createApi(sco, launchData);
        // SCORM content looks for these names on its parent windows.
        if (is2004) {
          window.API_1484_11 = api;
        } else {
          window.API = api;
        }
        state.api = api;
        state.index = index;
        render();
        frame.src = sco.url;
      });
  }

  function goTo(index) {
    if (state.busy || state.exiting || index < 0 || index >= config.scos.length) {
      return Promise.resolve();
    }
    state.busy = true;
    showStatus("");
    return unloadCurrent()
      .then(function () {
        return launch(index);
      })
      .catch(function (error) {
        showStatus(error.message);
      })
      .then(function () {
        state.busy = false;
      });
  }

  function exit() {
    if (state.exiting) {
      return;
    }
    state.exiting = true;
    state.busy = true;
    render();
    unloadCurrent().then(function () {
      window.location.assign(config.exitUrl);
    });
  }

  function render() {
    previousButton.disabled = state.exiting || state.index <= 0;
    nextButton.disabled = state.exiting || state.index < 0 || state.index >= config.scos.length - 1;
    exitButton.disabled = state.exiting;
    var buttons = document.querySelectorAll("#player-menu button[data-sco]");
    for (var i = 0; i < buttons.length; i++) {
      var current = state.index >= 0 && buttons[i].getAttribute("data-sco") === config.scos[state.index].id;
      buttons[i].setAttribute("aria-current", current ? "true" : "false");
      buttons[i].disabled = state.exiting;
    }
  }

  function menuList(nodes) {
    var list = document.createElement("ul");
    nodes.forEach(function (node) {
      var item = document.createElement("li");
      var label;
      if (node.launchable) {
        label = document.createElement("button");
        label.type = "button";
        label.setAttribute("data-sco", node.id);
        label.addEventListener("click", function () {
          goTo(indexOf(node.id));
        });
      } else {
        label = document.createElement("span");
        label.className = "menu-folder";
      }
      label.textContent = node.title;
      item.appendChild(label);
      if (node.children.length) {
        item.appendChild(menuList(node.children));
      }
      list.appendChild(item);
    });
    return list;
  }

  function start() {
    if (!window.Scorm12API || !window.Scorm2004API) {
      showStatus("The SCORM runtime (scorm-again) did not load, so this course cannot run.");
      return;
    }
    var root = config.menu;
    document.getElementById("player-menu").appendChild(menuList(root.launchable ? [root] : root.children));
    if (config.scos.length === 1) {
      document.body.classList.add("single-sco");
    }
    previousButton.addEventListener("click", function () {
      goTo(state.index - 1);
    });
    nextButton.addEventListener("click", function () {
      goTo(state.index + 1);
    });
    exitButton.addEventListener("click", exit);
    window.addEventListener("pagehide", function () {
      state.unloading = true;
      saveOpenSession();
    });
    render();
    goTo(config.start);
  }

  start();
})();
