// Skipping a test whose tool is missing. Catch2 2.13 has no SKIP, and a test that WARNs and
// returns is reported as Passed, which hides that nothing was checked. skip_test() exits the
// process with kSkipExitCode, which tests/CMakeLists.txt registers as ctest's SKIP_RETURN_CODE:
// ctest then reports the test as "Not Run (Skipped)". (ctest runs each TEST_CASE in its own
// process; running a whole test executable by hand stops at the first skip.)
#pragma once

#include <string>

namespace doctown::test {

/// The exit code ctest reads as a skip.
inline constexpr int kSkipExitCode = 77;

/// Print "SKIP: <why>" and end the process with kSkipExitCode.
[[noreturn]] void skip_test(const std::string& why);

}  // namespace doctown::test
