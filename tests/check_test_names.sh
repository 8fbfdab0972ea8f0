#!/bin/sh
# ctest splits discovered Catch2 test names at ';' (its list separator), so a TEST_CASE whose
# name holds one silently never runs under ctest. A name starting with '-' is read by Catch2 as
# a command-line option when ctest passes it, and the test fails without running. Fail when a
# name (or the first line of a name split over lines) does either.
status=0
if grep -rnE 'TEST_CASE\("[^"]*;' "$1"; then
  echo "TEST_CASE names above contain ';': ctest would never run them; use ',' instead" >&2
  status=1
fi
if grep -rnE 'TEST_CASE\("-' "$1"; then
  echo "TEST_CASE names above start with '-': Catch2 would take them for options" >&2
  status=1
fi
exit $status
