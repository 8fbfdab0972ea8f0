#!/bin/sh
# ctest splits discovered Catch2 test names at ';' (its list separator), so a TEST_CASE whose
# name holds one silently never runs under ctest. Fail when a name (or the first line of a
# name split over lines) contains one.
if grep -rnE 'TEST_CASE\("[^"]*;' "$1"; then
  echo "TEST_CASE names above contain ';': ctest would never run them; use ',' instead" >&2
  exit 1
fi
exit 0
