# Two commands matter on a fresh machine: `make demo` and `make test`.
# Everything else here is what they are built from.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PLAYER_VENDOR := scorm_cloud_emulator/player/vendor
CHROMIUM := /usr/bin/chromium

.PHONY: demo test install browser player-assets emulator bench clean

demo: install player-assets
	$(PY) -m demo

test: install player-assets browser
	$(PY) -m pytest

install: $(STAMP)

$(STAMP): setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# scorm-again, the SCORM runtime of the emulator's player, comes from npm.
player-assets: $(PLAYER_VENDOR)/scorm-again.min.js

$(PLAYER_VENDOR)/scorm-again.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	mkdir -p $(PLAYER_VENDOR)
	cp node_modules/scorm-again/dist/scorm-again.min.js $(PLAYER_VENDOR)/

# Browser tests drive Debian's Chromium; Playwright never downloads a browser.
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is missing: run 'sudo apt-get install chromium' (browser tests will be skipped)"; \
	  fi; \
	fi

emulator: install
	$(VENV)/bin/scorm-cloud-emulator --data-dir var/emulator

bench: install player-assets
	@status=0; \
	for script in bench/upload_memory.py bench/postback_throughput.py bench/postback_over_http.py \
	              bench/calls_per_journey.py; do \
	  echo "== $$script"; $(PY) $$script || status=1; \
	done; \
	exit $$status

clean:
	rm -rf $(VENV) node_modules $(PLAYER_VENDOR) var test-artifacts
