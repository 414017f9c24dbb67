#!/usr/bin/env bash
# `npm test`: the one command that runs everything. As root it first installs what is missing (Debian packages,
# the debootstrap rootfs cache); otherwise the host suites skip and a summary at the end says why and how to fix it.
# In CI (CI=true) nothing may be missing: the host suites fail instead of skipping.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
prereq=test/setup/prerequisites.sh
if [ "$(id -u)" = 0 ]; then "$prereq" install || exit 1; fi
mapfile -t missing < <("$prereq" missing)

npm run -s typecheck || exit 1
if npm run -s 2>/dev/null | grep -q '^  lint$'; then npm run -s lint || exit 1; fi
# Temporary folders of every suite live under one run folder, removed at the end (test/setup/tmp.js).
npx jest "$@"
rc=$?

if [ ${#missing[@]} -gt 0 ]; then
  {
    echo
    echo "################################################################################"
    echo "#  INCOMPLETE RUN: the host and MariaDB end-to-end suites did not run for real."
    echo "#  Missing: ${missing[*]}"
    echo "#  Skipped tests are named above (SKIPPED:); \`npm run test:unit\` runs the suites that boot nothing."
    echo "#  Enable them (installs the packages and builds the rootfs cache, ~10 min once):"
    echo "#      sudo npm test"
    echo "################################################################################"
  } >&2
fi
exit $rc
