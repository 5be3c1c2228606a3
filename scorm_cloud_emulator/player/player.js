/*
 * The emulator's player page. scorm-again is the SCORM runtime: this file only gives each SCO
 * visit a fresh API object loaded with the SCO's launch data, sends its commits to the runtime
 * endpoint, and moves between SCOs (flow and choice among the launchable leaves; no sequencing).
 *
 * Before it leaves a SCO (another SCO, Exit, the end of the course) the player waits until the
 * SCO's commits are stored: the LMS the learner returns to asks for results at once.
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
  // How long to let a SCO finish loading (and so call Initialize) before the player unloads it.
  var FRAME_LOAD_TIMEOUT_MS = 10000;

  var state = {
    index: -1, // position of the current SCO in config.scos
    api: null, // the scorm-again API of the current SCO visit
    busy: false, // true while the player itself unloads or loads a SCO
    moving: null, // while busy moving between SCOs: settles when the move is over
    exiting: false,
    unloading: false, // the player page is going away: only beacons get through now
    frameLoaded: Promise.resolve(), // settles when the current SCO's page has loaded
    commits: [], // commits sent asynchronously and not yet answered
  };

  function showStatus(message) {
    statusLine.textContent = message;
    statusLine.hidden = !message;
  }

  /*
   * How scorm-again's commits reach the runtime endpoint. Synchronous, so Commit and Finish
   * return the real outcome to the content, when the browser allows it. It does not while a
   * document is being unloaded, and content usually calls Finish from its unload handler:
   * - when the player unloads the SCO's frame, the commit goes out with fetch and the player
   *   waits for its answer (commitsStored) before it moves on;
   * - when the player page itself is being closed, only a beacon still gets the data out.
   */
  function PlayerHttpService() {}

  PlayerHttpService.prototype.processHttpRequest = function (url, params) {
    var body = JSON.stringify(params);
    if (!state.unloading) {
      try {
        return postNow(url, body);
      } catch (error) {
        // The SCO's frame is being unloaded: synchronous requests are refused until it is gone.
        trackCommit(postLater(url, body));
        return { result: "true", errorCode: 0 };
      }
    }
    var sent = !!(navigator.sendBeacon && navigator.sendBeacon(url, new Blob([body], { type: "text/plain;charset=UTF-8" })));
    return sent ? { result: "true", errorCode: 0 } : { result: "false", errorCode: COMMIT_FAILED };
  };

  PlayerHttpService.prototype.updateSettings = function () {};

  /* A synchronous commit: its result is the one the content gets. Throws during page dismissal. */
  function postNow(url, body) {
    var xhr = new XMLHttpRequest();
    xhr.open("POST", url, false);
    xhr.setRequestHeader("Content-Type", "application/json;charset=UTF-8");
    xhr.send(body);
    if (xhr.status >= 200 && xhr.status < 300) {
      return { result: "true", errorCode: 0 };
    }
    return { result: "false", errorCode: COMMIT_FAILED, errorMessage: "HTTP " + xhr.status };
  }

  /*
   * An asynchronous commit, resolved once the runtime endpoint has stored it. keepalive lets it
   * outlive a tab closed meanwhile (browsers cap keepalive bodies at 64 KiB; bigger ones go
   * without). A failure is retried once, synchronously: by then the unload is over.
   */
  function postLater(url, body) {
    return fetch(url, {
      method: "POST",
      body: body,
      headers: { "Content-Type": "application/json;charset=UTF-8" },
      credentials: "same-origin",
      keepalive: body.length < 60000,
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
      })
      .catch(function () {
        if (postNow(url, body).result !== "true") {
          throw new Error("The latest progress could not be saved.");
        }
      });
  }

  function trackCommit(promise) {
    state.commits.push(promise);
    function forget() {
      state.commits.splice(state.commits.indexOf(promise), 1);
    }
    promise.then(forget, forget);
  }

  /* Resolves when every commit sent so far has been answered (rejects if one could not be stored). */
  function commitsStored() {
    if (!state.commits.length) {
      return Promise.resolve();
    }
    var failed = null;
    return Promise.all(
      state.commits.map(function (commit) {
        return commit.catch(function (error) {
          failed = error;
        });
      })
    ).then(function () {
      if (failed) {
        throw failed;
      }
      return commitsStored(); // commits sent meanwhile
    });
  }

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

  /* Resolves on the frame's next load event, or after timeoutMs if it never comes. */
  function frameLoad(timeoutMs) {
    return new Promise(function (resolve) {
      var timer = window.setTimeout(done, timeoutMs);
      function done() {
        window.clearTimeout(timer);
        frame.removeEventListener("load", done);
        resolve();
      }
      frame.addEventListener("load", done);
    });
  }

  /*
   * Take the content away so its unload handlers run (and usually call Finish), then save what
   * is left, and resolve once all of it is stored. A SCO still loading gets to finish loading
   * first, so that it has initialized and its unload handlers can finish it.
   */
  function unloadCurrent() {
    if (!state.api) {
      return Promise.resolve();
    }
    return state.frameLoaded
      .then(function () {
        var unloaded = frameLoad(FRAME_UNLOAD_TIMEOUT_MS);
        frame.src = "about:blank";
        return unloaded;
      })
      .then(function () {
        // Commits sent from the unload handlers first, so the one below is the last stored.
        return commitsStored().catch(showError);
      })
      .then(function () {
        saveOpenSession();
        state.api = null;
      });
  }

  function showError(error) {
    showStatus(error.message);
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
        state.frameLoaded = frameLoad(FRAME_LOAD_TIMEOUT_MS);
        frame.src = sco.url;
      });
  }

  function goTo(index) {
    if (state.busy || state.exiting || index < 0 || index >= config.scos.length) {
      return Promise.resolve();
    }
    state.busy = true;
    showStatus("");
    state.moving = unloadCurrent()
      .then(function () {
        // Exit was pressed meanwhile: it leaves from here, with nothing more to load.
        return state.exiting ? undefined : launch(index);
      })
      .catch(showError)
      .then(function () {
        state.busy = false;
        state.moving = null;
      });
    return state.moving;
  }

  /* Leave the course: once the current SCO is unloaded and everything it sent is stored. */
  function exit() {
    if (state.exiting) {
      return;
    }
    state.exiting = true;
    state.busy = true;
    render();
    showStatus("Saving your progress\u2026");
    // goTo may be between SCOs: let it finish, so that the SCO it opens is the one unloaded.
    Promise.resolve(state.moving)
      .then(unloadCurrent)
      .then(function () {
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
