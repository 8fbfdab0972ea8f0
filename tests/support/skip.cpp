#include "support/skip.hpp"

#include <cstdio>
#include <cstdlib>

namespace doctown::test {

void skip_test(const std::string& why) {
  std::printf("SKIP: %s\n", why.c_str());
  std::fflush(stdout);
  std::exit(kSkipExitCode);
}

}  // namespace doctown::test
