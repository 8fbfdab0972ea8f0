// A downstream program: analyse a directory with the installed library and count its symbols.
#include <doctown/doctown.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: consumer DIR\n";
    return 2;
  }
  auto analyzer = doctown::make_clang_analyzer({});
  if (!analyzer) {
    std::cerr << analyzer.error().what() << "\n";
    return 3;
  }
  doctown::RunContext ctx;
  auto cb = (*analyzer)->analyze(argv[1], ctx);
  if (!cb) {
    std::cerr << cb.error().what() << "\n";
    return 3;
  }
  std::cout << "consumer: " << cb->symbols.size() << " symbols (doctown "
            << doctown::version_string << ")\n";
  return cb->symbols.empty() ? 1 : 0;
}
